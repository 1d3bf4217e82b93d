#!/usr/bin/env python3
"""The chat contact center of scenarios/peer-chat.toml, written in SimPy 4.1.2.

A peer implementation for comparing ccsim's figures and speed with a
general-purpose discrete-event library (see benches/peer/README.md).
The model (ccsim docs/design.md section 2, restricted to the rules used here):

* Poisson arrivals at 550.8 chats/h for 15 days back to back (1,296,000 s);
  then arrivals stop and the center drains: agents keep taking the queue
  until it is empty, finish their chats and wrap-ups, and log out.
* One shared FIFO queue. A customer abandons it after an exponential
  patience (mean 180 s) unless an agent took the chat first.
* 50 agents with 2 slots each. An arriving chat goes to the least busy
  agent with a free slot (fewest busy slots, ties by longest idle, i.e. the
  earliest time its busy-slot count last fell, then by index); a freed slot
  takes the head of the queue.
* Processor sharing: an agent working k chats progresses each at
  SPEED[k-1] units of work per second, so the remaining times are re-timed
  whenever k changes. Three ways of writing it, same figures (--style):
  timer (the default, fastest): each agent keeps one timeout for its next
  stop and schedules a new one when k changes; process: each agent is a
  process that sleeps until its next stop and is interrupted to re-time;
  customer: each chat is its own process from arrival to the end of its
  wrap-up, sleeping for its remaining work / SPEED[k-1] and interrupted to
  recompute whenever its agent's k changes.
* Handle work is lognormal (mean 480 s, sd 240 s) at speed 1. 10% of
  customers go silent at a point uniform over the handle work: the chat
  stops counting in k but keeps its slot, and the agent disconnects it
  120 s later (nobody returns).
* Every chat (resolved or disconnected) is followed by 45 s of wrap-up on
  its slot, which then frees. Wrap-up does not count in k and does not
  block the agent's other slot.

Metrics follow ccsim's definitions (docs/design.md section 3):
service_level_60s = answered with wait <= 60 s / offered,
abandon_rate = abandoned / offered, utilisation = busy slot-time /
(2 x logged-in time), occupancy = time with >= 1 busy slot / logged-in time,
inactive_disconnect_rate = disconnected / answered. Logged-in time runs from
0 until each agent logs out in the drain.

Usage: peer_simpy.py [--seed N] [--days D] [--style timer|process|customer]
Prints one line of JSON.
"""

import argparse
import json
import math
import random
import time
from collections import deque

import simpy

AGENTS = 50
SLOTS = 2
SPEED = (1.0, 0.8)
RATE = 550.8 / 3600.0  # chats per second
HANDLE_MEAN, HANDLE_SD = 480.0, 240.0
PATIENCE_MEAN = 180.0
P_SILENT = 0.1
INACTIVITY_TIMEOUT = 120.0
WRAPUP = 45.0
THRESHOLD = 60.0
DAY = 86400.0

# Lognormal parameters giving the requested mean and sd of the duration.
SIGMA = math.sqrt(math.log(1.0 + (HANDLE_SD / HANDLE_MEAN) ** 2))
MU = math.log(HANDLE_MEAN) - SIGMA**2 / 2.0


class Chat:
    __slots__ = (
        "arrival", "handle", "patience", "silent", "remaining", "taken",
        "process", "since", "speed",  # used by --style customer only
    )

    def __init__(self, arrival, handle, patience, silent, silence_point):
        self.arrival = arrival
        self.handle = handle
        self.patience = patience
        self.silent = silent
        # Work to do at speed 1 before the chat stops (goes silent or ends).
        self.remaining = handle * silence_point if silent else handle
        self.taken = None  # an event, while the chat waits in the queue


class Agent:
    """An agent's slots and the processor sharing of its chats.

    Subclasses re-time the next stop when k changes, in one of two ways.
    """

    def __init__(self, center, index):
        self.center = center
        self.env = center.env
        self.index = index
        self.busy = 0  # slots held: working, silent or in wrap-up
        self.working = []  # chats being worked (k = len)
        self.idle_since = 0.0
        self.progressed_at = 0.0
        self.logged_out = None

    def progress(self):
        """Brings the work of the current chats up to now at the current speed."""
        now = self.env.now
        if self.working:
            done = (now - self.progressed_at) * SPEED[len(self.working) - 1]
            for chat in self.working:
                chat.remaining -= done
        self.progressed_at = now

    def stopped(self, chat):
        """`chat` reached its stop point: it leaves the worked set (k falls)."""
        self.working.remove(chat)
        self.env.process(self.center.after_chat(self, chat))

    def free_slot(self):
        self.center.change_busy(self, -1)
        self.idle_since = self.env.now
        center = self.center
        while self.busy < SLOTS and center.queue:
            center.answer(self, center.queue.popleft())
        if center.closed and self.busy == 0 and not center.queue:
            self.logged_out = self.env.now


class TimerAgent(Agent):
    """Event-driven recomputation (the default): one timeout for the next
    stop; when k changes a new one is scheduled and the old one, which SimPy
    cannot cancel, is ignored when it fires (its version is stale)."""

    def __init__(self, center, index):
        super().__init__(center, index)
        self.version = 0

    def take(self, chat):
        """Starts working `chat` on a free slot (k rises)."""
        self.center.change_busy(self, +1)
        self.progress()
        self.working.append(chat)
        self.retime()

    def retime(self):
        self.version += 1
        if self.working:
            chat = min(self.working, key=lambda c: c.remaining)
            timer = self.env.timeout(max(chat.remaining, 0.0) / SPEED[len(self.working) - 1])
            version = self.version
            timer.callbacks.append(lambda _: self.fire(chat, version))

    def fire(self, chat, version):
        if version == self.version:
            self.progress()
            self.stopped(chat)
            self.retime()


class ProcessAgent(Agent):
    """The textbook SimPy way (--style process): each agent is a process that
    sleeps until its next chat stops; taking a new chat interrupts it so that
    it re-times."""

    def __init__(self, center, index):
        super().__init__(center, index)
        self.process = self.env.process(self.run())

    def take(self, chat):
        """Starts working `chat` on a free slot (k rises)."""
        self.center.change_busy(self, +1)
        self.progress()
        self.working.append(chat)
        self.process.interrupt()  # re-time the next stop

    def run(self):
        env = self.env
        while True:
            if not self.working:
                try:
                    yield env.event()  # sleep until a chat arrives
                except simpy.Interrupt:
                    pass
                continue
            speed = SPEED[len(self.working) - 1]
            chat = min(self.working, key=lambda c: c.remaining)
            try:
                yield env.timeout(max(chat.remaining, 0.0) / speed)
            except simpy.Interrupt:
                continue  # k changed; progress was brought up to date by take()
            self.progress()
            self.stopped(chat)


class CustomerAgent(Agent):
    """--style customer: the agent is only state (its slots and the chats it
    works); every chat is a process (CustomerCenter.customer) that sleeps
    through its own work and is interrupted when the agent's k changes."""

    def join(self, chat):
        """`chat` starts being worked (k rises): the others re-time."""
        for other in self.working:
            other.process.interrupt()
        self.working.append(chat)

    def leave(self, chat):
        """`chat` reached its stop point (k falls): the others re-time."""
        self.working.remove(chat)
        for other in self.working:
            other.process.interrupt()


class Center:
    def __init__(self, env, rng, days, agent_class):
        self.env = env
        self.rng = rng
        self.horizon = days * DAY
        self.queue = deque()
        self.agents = [agent_class(self, i) for i in range(AGENTS)]
        self.closed = False
        # Counts.
        self.offered = 0
        self.answered = 0
        self.within = 0
        self.abandoned = 0
        self.disconnected = 0
        self.wait_total = 0.0
        # Time integrals of busy slots and of agents with a busy slot.
        self.busy_slots = 0
        self.occupied = 0
        self.changed_at = 0.0
        self.slot_time = 0.0
        self.occupied_time = 0.0

    def change_busy(self, agent, delta):
        now = self.env.now
        dt = now - self.changed_at
        self.slot_time += dt * self.busy_slots
        self.occupied_time += dt * self.occupied
        self.changed_at = now
        before = agent.busy
        agent.busy += delta
        self.busy_slots += delta
        self.occupied += (agent.busy > 0) - (before > 0)

    def arrivals(self):
        env, rng = self.env, self.rng
        while True:
            gap = rng.expovariate(RATE)
            if env.now + gap >= self.horizon:
                break
            yield env.timeout(gap)
            handle = rng.lognormvariate(MU, SIGMA)
            patience = rng.expovariate(1.0 / PATIENCE_MEAN)
            silent = rng.random() < P_SILENT
            chat = Chat(env.now, handle, patience, silent, rng.random())
            self.offered += 1
            self.arrive(chat)
        yield env.timeout(self.horizon - env.now)
        self.close()

    def arrive(self, chat):
        free = [a for a in self.agents if a.busy < SLOTS]
        if free:
            agent = min(free, key=lambda a: (a.busy, a.idle_since, a.index))
            self.answer(agent, chat)
        else:
            self.queue.append(chat)
            self.env.process(self.wait(chat))

    def wait(self, chat):
        """A queued customer: taken by an agent, or abandons after its patience."""
        chat.taken = self.env.event()
        yield chat.taken | self.env.timeout(chat.patience)
        if not chat.taken.triggered:
            self.queue.remove(chat)
            self.abandoned += 1

    def answer(self, agent, chat):
        wait = self.env.now - chat.arrival
        self.answered += 1
        self.wait_total += wait
        if wait <= THRESHOLD:
            self.within += 1
        if chat.taken is not None:
            chat.taken.succeed()
        agent.take(chat)

    def after_chat(self, agent, chat):
        """The chat stopped being worked: silence and disconnect, then wrap-up."""
        if chat.silent:
            yield self.env.timeout(INACTIVITY_TIMEOUT)
            self.disconnected += 1
        yield self.env.timeout(WRAPUP)
        agent.free_slot()

    def close(self):
        """End of the last day: arrivals stopped; idle agents log out."""
        self.closed = True
        for agent in self.agents:
            if agent.busy == 0 and not self.queue:
                agent.logged_out = self.env.now


class CustomerCenter(Center):
    """--style customer: the textbook SimPy form, one process per chat.

    The random numbers are drawn by the arrival process as in the other
    styles (same order), so a seed gives the same customers and figures."""

    def arrive(self, chat):
        chat.process = self.env.process(self.customer(chat))

    def answer(self, agent, chat):
        """A freed slot of `agent` takes the queued `chat`: reserve the slot
        and wake the customer."""
        self.change_busy(agent, +1)
        chat.taken.succeed(agent)

    def customer(self, chat):
        env = self.env
        # Arrive: the least busy agent with a free slot, or the queue.
        free = [a for a in self.agents if a.busy < SLOTS]
        if free:
            agent = min(free, key=lambda a: (a.busy, a.idle_since, a.index))
            self.change_busy(agent, +1)
        else:
            self.queue.append(chat)
            slot = chat.taken = env.event()
            yield slot | env.timeout(chat.patience)
            if not slot.triggered:  # patience ran out first: renege
                self.queue.remove(chat)
                self.abandoned += 1
                return
            agent = slot.value
        wait = env.now - chat.arrival
        self.answered += 1
        self.wait_total += wait
        if wait <= THRESHOLD:
            self.within += 1
        # Processor sharing: work until the stop point at SPEED[k-1]; when k
        # changes we are interrupted and recompute the remaining work.
        agent.join(chat)
        while True:
            chat.since = env.now
            chat.speed = SPEED[len(agent.working) - 1]
            try:
                yield env.timeout(max(chat.remaining, 0.0) / chat.speed)
                break
            except simpy.Interrupt:
                chat.remaining -= (env.now - chat.since) * chat.speed
        agent.leave(chat)
        # Silence and disconnect (holding the slot, out of k), then wrap-up.
        if chat.silent:
            yield env.timeout(INACTIVITY_TIMEOUT)
            self.disconnected += 1
        yield env.timeout(WRAPUP)
        agent.free_slot()


STYLES = {
    "timer": (Center, TimerAgent),
    "process": (Center, ProcessAgent),
    "customer": (CustomerCenter, CustomerAgent),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument(
        "--style",
        choices=tuple(STYLES),
        default="timer",
        help="how the processor sharing is written: a versioned timeout per agent "
        "(timer, fastest), a process per agent with interrupts (process), or a "
        "process per chat interrupted when its agent's k changes (customer)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    env = simpy.Environment()
    center_class, agent_class = STYLES[args.style]
    center = center_class(env, random.Random(args.seed), args.days, agent_class)
    env.process(center.arrivals())
    env.run()
    seconds = time.perf_counter() - started

    c = center
    assert not c.queue and all(a.logged_out is not None for a in c.agents)
    assert c.offered == c.answered + c.abandoned
    c.change_busy(c.agents[0], 0)  # close the integrals
    logged_in = sum(a.logged_out for a in c.agents)
    print(
        json.dumps(
            {
                "tool": "simpy",
                "chats": c.offered,
                "seconds": round(seconds, 3),
                "chats_per_sec": round(c.offered / seconds),
                "service_level_60s": round(c.within / c.offered, 6),
                "abandon_rate": round(c.abandoned / c.offered, 6),
                "utilisation": round(c.slot_time / (SLOTS * logged_in), 6),
                "occupancy": round(c.occupied_time / logged_in, 6),
                "inactive_disconnect_rate": round(c.disconnected / c.answered, 6),
                "asa": round(c.wait_total / c.answered, 3),
                "answered": c.answered,
                "abandoned": c.abandoned,
                "logged_in_hours": round(logged_in / 3600.0, 3),
                "seed": args.seed,
                "days": args.days,
                "style": args.style,
                "simpy": simpy.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
