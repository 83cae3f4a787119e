"""A cable delays each message by a fixed latency before the receiver can
take it from a Store."""

import simpy

HORIZON = 100
CABLE_DELAY = 10


class Cable:
    def __init__(self, env, delay):
        self.env = env
        self.delay = delay
        self.arrived = simpy.Store(env)

    def _travel(self, message):
        yield self.env.timeout(self.delay)
        self.arrived.put(message)

    def put(self, message):
        self.env.process(self._travel(message))

    def get(self):
        return self.arrived.get()


def sender(env, cable):
    while True:
        yield env.timeout(5)
        cable.put(f"Sender sent this at {env.now}")


def receiver(env, cable):
    while True:
        message = yield cable.get()
        print(f"Received this at {env.now} while {message}")


print("Event Latency")
env = simpy.Environment()
link = Cable(env, CABLE_DELAY)
env.process(sender(env, link))
env.process(receiver(env, link))
env.run(until=HORIZON)
