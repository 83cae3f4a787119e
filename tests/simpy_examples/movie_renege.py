"""A cinema's ticket counter; when a film sells out, everyone queueing for it
leaves. Resource, shared events as signals, a condition."""

import random

import simpy

SEED = 42
SEATS = 50
SELLOUT_BELOW = 2
HORIZON = 120
FILMS = ["Python Unchained", "Kill Process", "Pulp Implementation"]


class Cinema:
    def __init__(self, env):
        self.counter = simpy.Resource(env, capacity=1)
        self.left = {film: SEATS for film in FILMS}
        self.sold_out = {film: env.event() for film in FILMS}
        self.sold_out_at = {film: None for film in FILMS}
        self.gave_up = {film: 0 for film in FILMS}


def moviegoer(env, film, wanted, cinema):
    with cinema.counter.request() as turn:
        got = yield turn | cinema.sold_out[film]
        if turn not in got:
            cinema.gave_up[film] += 1
            return
        if cinema.left[film] < wanted:
            yield env.timeout(0.5)  # argues, then leaves
            return
        cinema.left[film] -= wanted
        if cinema.left[film] < SELLOUT_BELOW:
            cinema.sold_out[film].succeed()
            cinema.sold_out_at[film] = env.now
            cinema.left[film] = 0
        yield env.timeout(1)


def crowd(env, cinema):
    while True:
        yield env.timeout(random.expovariate(1 / 0.5))
        film = random.choice(FILMS)
        wanted = random.randint(1, 6)
        if cinema.left[film]:
            env.process(moviegoer(env, film, wanted, cinema))


print("Movie renege")
random.seed(SEED)
env = simpy.Environment()
cinema = Cinema(env)
env.process(crowd(env, cinema))
env.run(until=HORIZON)
for film in FILMS:
    if cinema.sold_out[film]:
        print(f'Movie "{film}" sold out {cinema.sold_out_at[film]:.1f} minutes after ticket counter opening.')
        print(f"  Number of people leaving queue when film sold out: {cinema.gave_up[film]}")
