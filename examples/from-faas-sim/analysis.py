"""faas-sim's ``examples/analysis`` on faassim: only the import lines differ.

Runs ``custom_function_sim``'s set-up and reads every measurement as a
pandas DataFrame. Run: ``python examples/from-faas-sim/analysis.py``.
"""
import logging

import basic
from custom_function_sim import CustomSimulatorFactory
from faassim import Simulation

logger = logging.getLogger(__name__)


def main():
    logging.basicConfig(level=logging.INFO)

    # basic's topology and benchmark
    sim = Simulation(basic.example_topology(), basic.ExampleBenchmark())

    # custom_function_sim's simulators
    sim.create_simulator_factory = CustomSimulatorFactory

    sim.run()

    dfs = {
        'allocation_df': sim.env.metrics.extract_dataframe('allocation'),
        'invocations_df': sim.env.metrics.extract_dataframe('invocations'),
        'scale_df': sim.env.metrics.extract_dataframe('scale'),
        'schedule_df': sim.env.metrics.extract_dataframe('schedule'),
        'replica_deployment_df': sim.env.metrics.extract_dataframe('replica_deployment'),
        'function_deployments_df': sim.env.metrics.extract_dataframe('function_deployments'),
        'function_deployment_df': sim.env.metrics.extract_dataframe('function_deployment'),
        'function_deployment_lifecycle_df': sim.env.metrics.extract_dataframe('function_deployment_lifecycle'),
        'functions_df': sim.env.metrics.extract_dataframe('functions'),
        'flow_df': sim.env.metrics.extract_dataframe('flow'),
        'network_df': sim.env.metrics.extract_dataframe('network'),
        'node_utilization_df': sim.env.metrics.extract_dataframe('node_utilization'),
        'function_utilization_df': sim.env.metrics.extract_dataframe('function_utilization'),
        'fets_df': sim.env.metrics.extract_dataframe('fets')
    }

    logger.info('Mean exec time %d', dfs['invocations_df']['t_exec'].mean())


if __name__ == '__main__':
    main()
