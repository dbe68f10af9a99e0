"""The simulation of a support desk over one or more years: arrivals, agent capacity and
ticket lifecycles.

Everything is computed for whole arrays at once (no per-ticket Python loops):

1. **Arrivals.** Expected tickets per business day = base rate x scale x growth
   through the year x weekday pattern x holidays, with day-to-day noise; the
   count is Poisson. Creation times follow an hour-of-day profile in the
   business time zone (quiet nights, busy office hours).
2. **Capacity and queue.** The desk can resolve `capacity(d)` tickets a day
   (weekends and holidays short-staffed, a little hiring, December vacations).
   Capacity grows much slower than volume, so from autumn on arrivals outrun
   it. A fluid FIFO queue (Lindley recursion, vectorised as a cumulative sum
   minus its running minimum) gives each ticket the calendar time it waits for
   an agent; urgent/high tickets and big customers jump most of the queue.
3. **Lifecycles.** Each ticket gets up to `SLOTS` changes with increasing
   times: created (new) -> first response (open, agent assigned) -> optional
   pending/hold and back, or customer follow-ups on long waits -> solved ->
   optionally reopened and solved again (up to twice) -> closed 4 days after
   its last solve. Agent speed, priority, channel and the queue set the delays;
   half the non-urgent agent actions that would fall on a weekend wait for
   Monday morning. CSAT (for a share of tickets) falls with the resolution
   time relative to the SLA target.

Years are simulated one after the other, each from random streams of its own, so the
first year's tickets do not depend on how many years follow (and neither do the first
year's files). A later year's volume and capacity are YEARLY_GROWTH times the year
before's; its queue starts from the one the year before left, and the year before's
tickets keep changing in it.

Times are integer UTC seconds. Changes after the end of the last year are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from generator import vocabulary as V
from generator.business_days import DAY, HOUR, BusinessDays

# --- calibration -------------------------------------------------------------
BASE_TICKETS_PER_DAY = 475.0  # expected tickets on an average Thursday in early January, scale 1
GROWTH = (0.40, 0.45)  # volume(x) = 1 + a*x + b*x**3, x = fraction of the year
WEEKDAY_VOLUME = (1.14, 1.10, 1.06, 1.02, 0.96, 0.62, 0.50)  # Mon..Sun
DAY_NOISE = 0.07  # sigma of the log-normal day-to-day volume noise
# Fixed-date public holidays (month, day): volume factor, capacity factor.
HOLIDAYS = {
    (1, 1): (0.8, 0.5),
    (1, 26): (0.7, 0.5),
    (8, 15): (0.7, 0.5),
    (10, 2): (0.75, 0.5),
    (12, 25): (0.6, 0.4),
}
SALE_DAYS = 5  # a sale from the last Friday of November: more tickets for a few days
SALE_BOOST = 1.25
# Hour-of-day profile of ticket creation, business time zone, hours 0..23.
HOURLY = (1.5, 1.0, 0.8, 0.7, 0.7, 0.9, 1.5, 2.5, 4.0, 6.0, 7.5, 8.0,
          7.5, 7.0, 7.5, 7.5, 7.0, 6.5, 5.5, 4.5, 4.0, 3.5, 3.0, 2.2)  # fmt: skip

YEARLY_GROWTH = 1.25  # each year's volume and capacity over the year before's
CAPACITY_PER_DAY = 1.60 * BASE_TICKETS_PER_DAY  # resolutions per full weekday in January, scale 1
CAPACITY_GROWTH = 0.10  # +10 % over the year: hiring does not keep up with volume
WEEKDAY_STAFFING = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.4)
VACATION_FROM = (12, 20)  # December vacations: capacity x VACATION_FACTOR from this date
VACATION_FACTOR = 0.9

AGENTS = 44  # at scale 1; at least MIN_AGENTS
MIN_AGENTS = 8
AGENT_SPEED_SIGMA = 0.5  # log-normal spread of agent work-time factors (fast ~0.6, slow ~1.8)
CUSTOMERS = 52_000  # customer pool at scale 1
MIN_CUSTOMERS = 300

# Per priority (urgent, high, normal, low): median hours to first response and of work,
# and the share of the queue wait a ticket of that priority sits through.
FIRST_RESPONSE_HOURS = np.array([0.35, 1.3, 3.0, 7.0])
WORK_HOURS = np.array([1.2, 5.0, 13.0, 28.0])
QUEUE_SHARE = np.array([0.05, 0.3, 1.0, 1.3])
TIER_QUEUE_SHARE = np.array([1.1, 1.0, 0.75, 0.5])  # free, standard, premium, enterprise
CHANNEL_RESPONSE = np.array([1.2, 1.0, 0.15, 0.0])  # email, web, chat, phone (answered live)
CHANNEL_WORK = np.array([1.0, 1.0, 0.5, 0.7])
LOAD_SLOWS_RESPONSE = 0.35  # first response x (1 + this x queue wait in days)

PENDING_SHARE = 0.28  # tickets that wait on the customer (pending) or a third party (hold)
HOLD_SHARE = 0.3  # of those
PENDING_HOURS, HOLD_HOURS = 26.0, 40.0  # mean waiting times
CUSTOMER_REPLIES = 0.7  # else solved straight from pending
FOLLOW_UP_AFTER = (36.0, 96.0)  # hours of waiting after which customers chase (slot A, B)
FOLLOW_UP_SHARE = 0.6
WEEKEND_DEFER = 0.5  # of non-urgent agent actions falling on a weekend: done Monday

REOPEN_SHARE = (0.04, 0.10)  # first reopen; second reopen among the reopened
REOPEN_HOURS = 20.0  # mean time from solved to reopened (capped before auto-close)
CLOSE_AFTER = 4 * DAY  # solved -> closed by automation, batched hourly

RATED_SHARE = np.array([0.32, 0.32, 0.45, 0.30])  # per channel: share of solved tickets rated

# --- lifecycle slots -----------------------------------------------------------
SLOTS = 10
STREAMS = 5  # random streams the simulation uses (the extract and defects use the next ones)
CREATE, RESPOND, STEP_A, STEP_B, SOLVE1, REOPEN1, SOLVE2, REOPEN2, SOLVE3, CLOSE = range(SLOTS)
SOLVES = (SOLVE1, SOLVE2, SOLVE3)
REOPENS = (REOPEN1, REOPEN2)


@dataclass(frozen=True)
class Tickets:
    """One entry per ticket, in creation order (ticket number = index + 1)."""

    created: np.ndarray  # int64 UTC seconds
    priority: np.ndarray  # int8 index into PRIORITIES
    channel: np.ndarray  # int8
    category: np.ndarray  # int8
    team: np.ndarray  # int8
    agent: np.ndarray  # int16 index into agents
    customer: np.ndarray  # int32 customer number - 1
    tier: np.ndarray  # int8
    subject: np.ndarray  # int32 index into vocabulary.subject_pool()

    def __len__(self) -> int:
        return len(self.created)


@dataclass(frozen=True)
class Events:
    """One entry per change that happens within the year, ticket-major, in time order."""

    ticket: np.ndarray  # int32
    slot: np.ndarray  # int8
    time: np.ndarray  # int64 UTC seconds
    day: np.ndarray  # int32 business day index
    status: np.ndarray  # int8 index into STATUSES
    reopens: np.ndarray  # int8 reopen_count after the change
    solved_at: np.ndarray  # int64, -1 when not solved/closed
    first_response: np.ndarray  # int64, -1 before the first response
    csat: np.ndarray  # int8 1..5, 0 when not rated

    def __len__(self) -> int:
        return len(self.time)

    @property
    def assigned(self) -> np.ndarray:
        return self.slot >= RESPOND


@dataclass(frozen=True)
class Desk:
    """The aggregate model, per business day (for diagnostics and docs)."""

    expected: np.ndarray  # expected arrivals
    arrivals: np.ndarray  # actual arrivals
    capacity: np.ndarray  # resolutions the desk can do
    queue: np.ndarray  # FIFO queue at the end of the day
    agent_team: np.ndarray
    agent_speed: np.ndarray
    customer_tier: np.ndarray


@dataclass(frozen=True)
class Simulation:
    timeline: BusinessDays
    tickets: Tickets
    events: Events
    desk: Desk


_YEAR_KEY = 1_000_000  # spawn keys of a later year's streams, apart from the first year's


def streams(seed: int, count: int, year: int = 0) -> list[np.random.Generator]:
    """Independent, reproducible random streams derived from one seed (PCG64): the first
    year's from the seed itself, year `year` (counted from 0) from its own branch."""
    if year == 0:
        root = np.random.SeedSequence(seed)
    else:
        root = np.random.SeedSequence(seed, spawn_key=(_YEAR_KEY, year))
    return [np.random.Generator(np.random.PCG64(s)) for s in root.spawn(count)]


def simulate(span: BusinessDays, scale: float, seed: int, resolution_hours) -> Simulation:
    """Simulate the whole years of `span`. `resolution_hours`: SLA targets per priority
    (for CSAT)."""
    targets = np.asarray(resolution_hours, float)
    n_agents = max(MIN_AGENTS, round(AGENTS * scale))
    n_customers = max(MIN_CUSTOMERS, round(CUSTOMERS * scale))
    parts, desk_days, queue_left = [], [], 0.0
    agent_team = agent_speed = customer_tier = None
    for k, year in enumerate(span.years):
        timeline = BusinessDays.of_year(year, span.time_zone)
        r_volume, r_desk, r_attr, r_delay, r_life = streams(seed, STREAMS, k)
        expected, capacity = _volume_and_capacity(timeline, scale * YEARLY_GROWTH**k, r_volume)
        arrivals = r_volume.poisson(expected)
        created = _creation_times(timeline, arrivals, r_volume)
        queue = _lindley(arrivals.astype(np.float64), capacity, queue_left)
        if k == 0:  # one desk for all years: its agents and its customers
            agent_team, agent_speed = _agents(n_agents, r_desk)
            customer_tier = r_desk.choice(len(V.TIERS), size=n_customers, p=V.TIER_SHARE)
            customer_tier = customer_tier.astype(np.int8)
        tickets = _attributes(created, agent_team, customer_tier, r_attr)
        wait = _Queue(timeline, queue, capacity, queue_left)
        times, present, status = _lifecycles(tickets, wait, agent_speed, timeline, r_delay, r_life)
        parts.append((tickets, _events(tickets, times, present, status, span, targets, r_life)))
        desk_days.append((expected, arrivals, capacity, queue))
        queue_left = float(queue[-1])
    tickets, events = _joined(parts)
    expected, arrivals, capacity, queue = (np.concatenate(a) for a in zip(*desk_days, strict=True))
    desk = Desk(expected, arrivals, capacity, queue, agent_team, agent_speed, customer_tier)
    return Simulation(span, tickets, events, desk)


def _joined(parts: list[tuple[Tickets, Events]]) -> tuple[Tickets, Events]:
    """The years' tickets numbered on from one another, and their events, ticket-major."""
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [len(t) for t, _ in parts[:-1]])
    tickets = Tickets(
        *(np.concatenate([getattr(t, f.name) for t, _ in parts]) for f in fields(Tickets))
    )
    columns = {f.name: [getattr(e, f.name) for _, e in parts] for f in fields(Events)}
    columns["ticket"] = [
        (e.ticket + offset).astype(np.int32) for (_, e), offset in zip(parts, offsets, strict=True)
    ]
    return tickets, Events(**{name: np.concatenate(arrays) for name, arrays in columns.items()})


# --- arrivals and capacity -----------------------------------------------------


def _volume_and_capacity(
    timeline: BusinessDays, scale: float, rng
) -> tuple[np.ndarray, np.ndarray]:
    n = timeline.days
    x = np.arange(n) / max(n - 1, 1)
    weekday = timeline.weekdays
    volume = 1.0 + GROWTH[0] * x + GROWTH[1] * x**3
    volume = volume * np.take(WEEKDAY_VOLUME, weekday)
    staffing = (1.0 + CAPACITY_GROWTH * x) * np.take(WEEKDAY_STAFFING, weekday)
    for i, date in enumerate(timeline.dates):
        factors = HOLIDAYS.get((date.month, date.day))
        if factors:
            volume[i] *= factors[0]
            staffing[i] *= factors[1]
        if (date.month, date.day) >= VACATION_FROM:
            staffing[i] *= VACATION_FACTOR
    november = [i for i, d in enumerate(timeline.dates) if d.month == 11 and d.weekday() == 4]
    if november:
        sale = november[-1]
        volume[sale : sale + SALE_DAYS] *= SALE_BOOST
    volume *= rng.lognormal(0.0, DAY_NOISE, n)
    expected = BASE_TICKETS_PER_DAY * scale * volume
    capacity = CAPACITY_PER_DAY * scale * staffing
    return expected, capacity


def _creation_times(timeline: BusinessDays, arrivals: np.ndarray, rng) -> np.ndarray:
    """Sorted UTC creation seconds: a day from `arrivals`, a local time from HOURLY."""
    day = np.repeat(np.arange(timeline.days), arrivals)
    hourly = np.asarray(HOURLY) / np.sum(HOURLY)
    hour = rng.choice(24, size=len(day), p=hourly)
    offset = hour * HOUR + rng.integers(0, HOUR, size=len(day))
    # On a DST switch day the local day is not 24 h long; keep the instant inside it.
    offset = np.minimum(offset, timeline.lengths[day] - 1)
    created = timeline.starts[day] + offset
    return np.sort(created, kind="stable")


def _lindley(arrivals: np.ndarray, capacity: np.ndarray, initial: float = 0.0) -> np.ndarray:
    """Queue at the end of each day: Q[d] = max(0, Q[d-1] + arrivals[d] - capacity[d]),
    starting from Q[-1] = initial."""
    s = initial + np.cumsum(arrivals - capacity)
    return s - np.minimum(np.minimum.accumulate(s), 0.0)


@dataclass(frozen=True)
class _Queue:
    """A year's FIFO queue: what it holds at the end of each day, what the desk clears,
    and what it held when the year began."""

    timeline: BusinessDays
    queue: np.ndarray
    capacity: np.ndarray
    initial: float = 0.0

    def wait(self, created) -> np.ndarray:
        return _queue_wait(self.timeline, self.queue, self.capacity, created, self.initial)


def _queue_wait(timeline: BusinessDays, queue, capacity, created, initial=0.0) -> np.ndarray:
    """Days a ticket created at `created` waits for the FIFO queue ahead of it to clear."""
    x = (created - timeline.begin) / DAY  # fractional day of the year (calendar)
    n = timeline.days
    # Extend capacity beyond the year at the December rate so late tickets still finish.
    extra = 400
    cap = np.concatenate([capacity, np.full(extra, capacity[-14:].mean())])
    cum = np.concatenate([[0.0], np.cumsum(cap)])
    grid = np.arange(n + extra + 1, dtype=np.float64)
    q_start = np.concatenate([[initial], queue])  # queue at the start of each day
    day = np.clip(x.astype(np.int64), 0, n - 1)
    frac = x - day
    q_here = q_start[day] + frac * (queue[day] - q_start[day])
    finish = np.interp(np.interp(x, grid, cum) + q_here, cum, grid)
    return np.maximum(finish - x, 0.0)


def _agents(n_agents: int, rng) -> tuple[np.ndarray, np.ndarray]:
    team_share = np.zeros(len(V.TEAMS))
    for share, team in zip(V.CATEGORY_SHARE, V.CATEGORY_TEAM, strict=True):
        team_share[team] += share
    sizes = np.maximum(2, np.round(team_share / team_share.sum() * n_agents)).astype(int)
    team = rng.permutation(np.repeat(np.arange(len(V.TEAMS)), sizes)).astype(np.int8)
    speed = np.clip(rng.lognormal(0.0, AGENT_SPEED_SIGMA, len(team)), 0.45, 2.5)
    return team, speed


def _attributes(created, agent_team, customer_tier, rng) -> Tickets:
    n = len(created)
    priority = rng.choice(len(V.PRIORITIES), size=n, p=V.PRIORITY_SHARE).astype(np.int8)
    channel = rng.choice(len(V.CHANNELS), size=n, p=V.CHANNEL_SHARE).astype(np.int8)
    category = rng.choice(len(V.CATEGORIES), size=n, p=V.CATEGORY_SHARE).astype(np.int8)
    team = np.asarray(V.CATEGORY_TEAM, dtype=np.int8)[category]
    # An agent of the ticket's team, uniformly.
    order = np.argsort(agent_team, kind="stable")
    counts = np.bincount(agent_team, minlength=len(V.TEAMS))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = (rng.random(n) * counts[team]).astype(np.int64)
    agent = order[first[team] + pick].astype(np.int16)
    # Customers: a few file many tickets (skewed draw), scattered over the id space.
    n_customers = len(customer_tier)
    skewed = np.minimum((rng.random(n) ** 1.8 * n_customers).astype(np.int64), n_customers - 1)
    customer = rng.permutation(n_customers)[skewed].astype(np.int32)
    tier = customer_tier[customer]
    starts = np.asarray(V.subject_pool()[1])
    size = starts[1:] - starts[:-1]
    subject = (starts[category] + (rng.random(n) * size[category]).astype(np.int64)).astype(
        np.int32
    )
    return Tickets(created, priority, channel, category, team, agent, customer, tier, subject)


# --- lifecycles ------------------------------------------------------------------


def _lifecycles(tickets: Tickets, queue: _Queue, agent_speed, timeline, rd, rl):
    """Change times (UTC seconds) per ticket and slot, which slots happen, and their status."""
    n = len(tickets)
    p, ch = tickets.priority, tickets.channel
    speed = agent_speed[tickets.agent]
    created = tickets.created
    seconds = np.zeros((n, SLOTS), dtype=np.int64)
    present = np.zeros((n, SLOTS), dtype=bool)
    status = np.empty((n, SLOTS), dtype=np.int8)
    status[:] = [V.NEW, V.OPEN, V.OPEN, V.OPEN, V.SOLVED, V.OPEN, V.SOLVED, V.OPEN, V.SOLVED,
                 V.CLOSED]  # fmt: skip

    def later(instant, hours):
        return instant + np.round(np.asarray(hours) * HOUR).astype(np.int64)

    def staffed(instant):
        """Agent actions that fall on a weekend are often deferred to Monday morning."""
        return _defer_weekends(timeline, instant, p, rd)

    wait_days = queue.wait(created)
    phone = ch == V.PHONE
    present[:, CREATE] = ~phone  # agents log phone tickets already assigned and answered
    present[:, RESPOND] = True
    response = (
        FIRST_RESPONSE_HOURS[p]
        * rd.lognormal(0.0, 0.9, n)
        * CHANNEL_RESPONSE[ch]
        * (1.0 + LOAD_SLOWS_RESPONSE * wait_days)
    )
    respond = np.where(phone, created, staffed(later(created, response) + 60))
    queue_hours = wait_days * 24.0 * QUEUE_SHARE[p] * TIER_QUEUE_SHARE[tickets.tier]
    queue_hours *= rd.gamma(4.0, 0.25, n)
    work = WORK_HOURS[p] * speed * CHANNEL_WORK[ch] * rd.lognormal(0.0, 0.85, n)
    busy = work + queue_hours  # agent-side hours from first response to solved

    pending = rl.random(n) < PENDING_SHARE
    hold = pending & (rl.random(n) < HOLD_SHARE)
    replies = pending & (rl.random(n) < CUSTOMER_REPLIES)
    waiting = np.where(hold, rl.exponential(HOLD_HOURS, n), rl.exponential(PENDING_HOURS, n))
    split = rl.uniform(0.1, 0.9, n)
    start_a = later(respond, split * busy)
    back = later(start_a, waiting)
    solve = np.where(
        pending,
        np.where(replies, later(back, (1 - split) * busy), later(back, 0.25)),
        later(respond, busy),
    )
    solve = staffed(solve)
    status[pending, STEP_A] = np.where(hold[pending], V.HOLD, V.PENDING)
    follow_a = ~pending & (busy > FOLLOW_UP_AFTER[0]) & (rl.random(n) < FOLLOW_UP_SHARE)
    follow_b = follow_a & (busy > FOLLOW_UP_AFTER[1]) & (rl.random(n) < FOLLOW_UP_SHARE)
    present[:, STEP_A] = pending | follow_a
    present[:, STEP_B] = replies | follow_b
    seconds[:, CREATE] = created
    seconds[:, RESPOND] = respond
    seconds[:, STEP_A] = np.where(pending, start_a, later(respond, 0.45 * busy))
    seconds[:, STEP_B] = np.where(pending, back, later(respond, 0.8 * busy))
    seconds[:, SOLVE1] = solve
    present[:, SOLVE1] = True

    # Reopens: the customer comes back before auto-close; the fix takes a shorter round.
    last = solve
    reopened = np.ones(n, dtype=bool)
    for k, (reopen_slot, solve_slot) in enumerate(zip(REOPENS, SOLVES[1:], strict=True)):
        reopened &= rl.random(n) < REOPEN_SHARE[k]
        back = later(last, np.minimum(rl.exponential(REOPEN_HOURS, n), 88.0) + 0.1)
        again = queue.wait(back)
        redo = (
            0.5 * WORK_HOURS[p] * speed * rd.lognormal(0.0, 0.8, n)
            + 0.3 * again * 24.0 * QUEUE_SHARE[p]
        )
        resolve = staffed(later(back, redo))
        seconds[:, reopen_slot] = back
        seconds[:, solve_slot] = resolve
        present[:, reopen_slot] = reopened
        present[:, solve_slot] = reopened
        last = np.where(reopened, resolve, last)
    seconds[:, CLOSE] = later(last, CLOSE_AFTER / HOUR + rl.random(n))  # hourly automation batch
    present[:, CLOSE] = True

    # Strictly increasing over the present slots (>= 1 minute apart).
    previous = np.full(n, np.iinfo(np.int64).min // 2)
    for k in range(SLOTS):
        if k != RESPOND:  # phone tickets: answered at creation
            seconds[:, k] = np.maximum(seconds[:, k], previous + 60)
        previous = np.where(present[:, k], seconds[:, k], previous)
    return seconds, present, status


def _defer_weekends(timeline: BusinessDays, instant, priority, rng) -> np.ndarray:
    """With probability WEEKEND_DEFER, a non-urgent agent action on a Saturday or Sunday
    (business time zone) moves to Monday morning (09:00 + a few hours)."""
    extra = 800  # days beyond the year, for late instants (local midnights approximated)
    starts = np.concatenate(
        [timeline.starts, timeline.end + DAY * np.arange(1, extra + 1, dtype=np.int64)]
    )
    day = np.clip(np.searchsorted(starts, instant, side="right") - 1, 0, len(starts) - 2)
    weekday = (timeline.dates[0].weekday() + day) % 7
    defer = (weekday >= 5) & (priority > 0) & (rng.random(len(instant)) < WEEKEND_DEFER)
    monday = np.minimum(day + 7 - weekday, len(starts) - 1)
    moved = starts[monday] + 9 * HOUR + np.round(rng.exponential(2.5, len(instant)) * HOUR)
    return np.where(defer, np.maximum(moved.astype(np.int64), instant), instant)


def _events(tickets, seconds, present, status, timeline, resolution_hours, rng) -> Events:
    n = len(tickets)
    # solved_at per slot: the latest solve at or before the slot, shown while solved/closed
    latest_solve = np.full((n, SLOTS), -1, dtype=np.int64)
    reopens = np.zeros((n, SLOTS), dtype=np.int8)
    running_solve = np.full(n, -1, dtype=np.int64)
    running_reopens = np.zeros(n, dtype=np.int8)
    for k in range(SLOTS):
        if k in SOLVES:
            running_solve = np.where(present[:, k], seconds[:, k], running_solve)
        if k in REOPENS:
            running_reopens = running_reopens + present[:, k]
        latest_solve[:, k] = running_solve
        reopens[:, k] = running_reopens
    solved_state = (status == V.SOLVED) | (status == V.CLOSED)
    solved_at = np.where(solved_state, latest_solve, -1)

    # CSAT: given at the final solve (kept when closed) by a share of customers;
    # lower when the resolution took long relative to the SLA target, or after reopens.
    final_solve = latest_solve[:, CLOSE]
    rated = rng.random(n) < RATED_SHARE[tickets.channel]
    ratio = (final_solve - tickets.created) / HOUR / resolution_hours[tickets.priority]
    latent = 4.9 - 1.1 * np.log2(1.0 + ratio) - 0.7 * reopens[:, CLOSE] + rng.normal(0.0, 0.75, n)
    score = np.where(rated, np.clip(np.round(latent), 1, 5), 0).astype(np.int8)
    final_slot = np.where(present[:, SOLVE3], SOLVE3, np.where(present[:, SOLVE2], SOLVE2, SOLVE1))
    slots = np.arange(SLOTS)
    csat = np.where(slots[None, :] >= final_slot[:, None], score[:, None], 0).astype(np.int8)

    first_response = seconds[:, RESPOND]
    keep = present & (seconds < timeline.end)
    ticket, slot = np.nonzero(keep)  # row-major: ticket-major, slots in time order
    time = seconds[ticket, slot]
    return Events(
        ticket=ticket.astype(np.int32),
        slot=slot.astype(np.int8),
        time=time,
        day=timeline.day_of(time),
        status=status[ticket, slot],
        reopens=reopens[ticket, slot],
        solved_at=solved_at[ticket, slot],
        first_response=np.where(slot >= RESPOND, first_response[ticket], -1),
        csat=csat[ticket, slot],
    )
