"""A bank with one counter; customers give up (renege) when their patience
runs out before the counter is free. Resource + a condition event."""

import random

import simpy

SEED = 42
CUSTOMERS = 5
MEAN_ARRIVAL_GAP = 10.0
PATIENCE_RANGE = (1, 3)
MEAN_TIME_IN_BANK = 12.0


def visit(env, label, counter):
    came_in = env.now
    print(f"{came_in:7.4f} {label}: Here I am")
    with counter.request() as turn:
        patience = random.uniform(*PATIENCE_RANGE)
        outcome = yield turn | env.timeout(patience)
        waited = env.now - came_in
        if turn not in outcome:
            print(f"{env.now:7.4f} {label}: RENEGED after {waited:6.3f}")
            return
        print(f"{env.now:7.4f} {label}: Waited {waited:6.3f}")
        yield env.timeout(random.expovariate(1.0 / MEAN_TIME_IN_BANK))
        print(f"{env.now:7.4f} {label}: Finished")


def arrivals(env, counter):
    for k in range(CUSTOMERS):
        env.process(visit(env, f"Customer{k:02d}", counter))
        yield env.timeout(random.expovariate(1.0 / MEAN_ARRIVAL_GAP))


print("Bank renege")
random.seed(SEED)
env = simpy.Environment()
desk = simpy.Resource(env, capacity=1)
env.process(arrivals(env, desk))
env.run()
