"""A gas station with two pumps and one tank; a controller calls a tank truck
when the tank runs low. Resource, Container, waiting on a process."""

import itertools
import random

import simpy

SEED = 42
TANK = 200
LOW_PERCENT = 25
CAR_TANK = 50
CAR_LEVEL = (5, 25)
LITERS_PER_SECOND = 2
TRUCK_DELAY = 300
GAP = (30, 300)
HORIZON = 1000


def refuel(name, env, pumps, tank):
    level = random.randint(*CAR_LEVEL)
    print(f"{env.now:6.1f} s: {name} arrived at gas station")
    with pumps.request() as pump:
        yield pump
        need = CAR_TANK - level
        yield tank.get(need)
        yield env.timeout(need / LITERS_PER_SECOND)
        print(f"{env.now:6.1f} s: {name} refueled with {need:.1f}L")


def truck(env, tank):
    yield env.timeout(TRUCK_DELAY)
    missing = tank.capacity - tank.level
    tank.put(missing)
    print(f"{env.now:6.1f} s: Tank truck arrived and refuelled station with {missing:.1f}L")


def controller(env, tank):
    while True:
        if tank.level / tank.capacity * 100 < LOW_PERCENT:
            print(f"{env.now:6.1f} s: Calling tank truck")
            yield env.process(truck(env, tank))
        yield env.timeout(10)


def cars(env, pumps, tank):
    for k in itertools.count():
        yield env.timeout(random.randint(*GAP))
        env.process(refuel(f"Car {k}", env, pumps, tank))


print("Gas Station refuelling")
random.seed(SEED)
env = simpy.Environment()
pumps = simpy.Resource(env, 2)
tank = simpy.Container(env, TANK, init=TANK)
env.process(controller(env, tank))
env.process(cars(env, pumps, tank))
env.run(until=HORIZON)
