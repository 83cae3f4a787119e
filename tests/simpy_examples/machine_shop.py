"""Machines make parts and break down at random; one repairman fixes them,
preempting his low-priority other work. PreemptiveResource, interrupts."""

import random

import simpy

SEED = 42
PART_MEAN, PART_SIGMA = 10.0, 2.0
MEAN_TIME_TO_FAILURE = 300.0
REPAIR = 30.0
OTHER_JOB = 30.0
MACHINES = 10
WEEKS = 4
HORIZON = WEEKS * 7 * 24 * 60


def part_time():
    while True:
        t = random.normalvariate(PART_MEAN, PART_SIGMA)
        if t > 0:
            return t


class Machine:
    def __init__(self, env, name, repairman):
        self.env = env
        self.name = name
        self.parts_made = 0
        self.broken = False
        self.worker = env.process(self.produce(repairman))
        env.process(self.wear_out())

    def produce(self, repairman):
        env = self.env
        while True:
            left = part_time()
            while left:
                began = env.now
                try:
                    yield env.timeout(left)
                    left = 0
                except simpy.Interrupt:
                    self.broken = True
                    left -= env.now - began
                    with repairman.request(priority=1) as fix:
                        yield fix
                        yield env.timeout(REPAIR)
                    self.broken = False
            self.parts_made += 1

    def wear_out(self):
        while True:
            yield self.env.timeout(random.expovariate(1 / MEAN_TIME_TO_FAILURE))
            if not self.broken:
                self.worker.interrupt()


def side_jobs(env, repairman):
    while True:
        left = OTHER_JOB
        while left:
            with repairman.request(priority=2) as claim:
                yield claim
                began = env.now
                try:
                    yield env.timeout(left)
                    left = 0
                except simpy.Interrupt:
                    left -= env.now - began


print("Machine shop")
random.seed(SEED)
env = simpy.Environment()
repairman = simpy.PreemptiveResource(env, capacity=1)
shop = [Machine(env, f"Machine {k}", repairman) for k in range(MACHINES)]
env.process(side_jobs(env, repairman))
env.run(until=HORIZON)
print(f"Machine shop results after {WEEKS} weeks")
for m in shop:
    print(f"{m.name} made {m.parts_made} parts.")
