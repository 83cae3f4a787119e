"""Processes talking through Stores: one-to-one through a Store, one-to-many
through a broadcast of one Store per receiver. Uses simpy.core.Infinity."""

import random

import simpy
import simpy.core

SEED = 42
HORIZON = 100


class Broadcast:
    """Puts every message into one Store per receiver."""

    def __init__(self, env, capacity=simpy.core.Infinity):
        self.env = env
        self.capacity = capacity
        self.outlets = []

    def put(self, message):
        if not self.outlets:
            raise RuntimeError("There are no output pipes.")
        return self.env.all_of([outlet.put(message) for outlet in self.outlets])

    def get_output_conn(self):
        outlet = simpy.Store(self.env, capacity=self.capacity)
        self.outlets.append(outlet)
        return outlet


def talker(name, env, pipe):
    while True:
        yield env.timeout(random.randint(6, 10))
        pipe.put((env.now, f"{name} says hello at {env.now}"))


def listener(name, env, pipe):
    while True:
        sent_at, text = yield pipe.get()
        if sent_at < env.now:
            print(f"LATE Getting Message: at time {env.now}: {name} received message: {text}")
        else:
            print(f"at time {env.now}: {name} received message: {text}.")
        yield env.timeout(random.randint(4, 8))


print("Process communication")
random.seed(SEED)

env = simpy.Environment()
pipe = simpy.Store(env)
env.process(talker("Generator A", env, pipe))
env.process(listener("Consumer A", env, pipe))
print("\nOne-to-one pipe communication\n")
env.run(until=HORIZON)

env = simpy.Environment()
hub = Broadcast(env)
env.process(talker("Generator A", env, hub))
env.process(listener("Consumer A", env, hub.get_output_conn()))
env.process(listener("Consumer B", env, hub.get_output_conn()))
print("\nOne-to-many pipe communication\n")
env.run(until=HORIZON)
