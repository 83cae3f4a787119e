"""A carwash with a few machines; cars queue for a machine, are washed for a
fixed time and leave. Resource, processes started by a process, int times."""

import itertools
import random

import simpy

SEED = 42
MACHINES = 2
WASH_MINUTES = 5
MEAN_GAP = 7
HORIZON = 20


class Wash:
    def __init__(self, env, machines, minutes):
        self.env = env
        self.machines = simpy.Resource(env, machines)
        self.minutes = minutes

    def clean(self, car_name):
        yield self.env.timeout(self.minutes)
        removed = random.randint(50, 99)
        print(f"Carwash removed {removed}% of {car_name}'s dirt.")


def drive_in(env, car_name, wash):
    print(f"{car_name} arrives at the carwash at {env.now:.2f}.")
    with wash.machines.request() as slot:
        yield slot
        print(f"{car_name} enters the carwash at {env.now:.2f}.")
        yield env.process(wash.clean(car_name))
        print(f"{car_name} leaves the carwash at {env.now:.2f}.")


def traffic(env, wash):
    numbers = itertools.count()
    for _ in range(4):  # cars already waiting at opening
        env.process(drive_in(env, f"Car {next(numbers)}", wash))
    while True:
        yield env.timeout(random.randint(MEAN_GAP - 2, MEAN_GAP + 2))
        env.process(drive_in(env, f"Car {next(numbers)}", wash))


print("Carwash")
print("Check out http://youtu.be/fXXmeP9TvBg while simulating ... ;-)")
random.seed(SEED)
env = simpy.Environment()
env.process(traffic(env, Wash(env, MACHINES, WASH_MINUTES)))
env.run(until=HORIZON)
