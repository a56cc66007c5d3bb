"""What is drawn once per run: a scenario's uncertain numbers, kept apart from the day-to-day state.

:class:`Draws` gives the per-run value of any number of the scenario by its path (drawn from its
keyed stream, or at fixed quantiles for an experimental design). :func:`draw_run` reads every
per-run constant the kernels use into :class:`RunDraws`: one ``NamedTuple`` per kind of force
(quality, kill rates, sortie rates, engagement and kill probabilities, ...), the legs' lengths, and
the model parameters, both by name (``params``) and as the small tuples each phase kernel takes
(:class:`PowerRules`, :class:`GroundRules`, :class:`AirRules`), with the arrays derived from them
computed here, once per block.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from flashpoint.engine.rng import keyed_uniforms, keyed_uniforms_many, stream_key
from flashpoint.engine.theatre import TERRAINS, CompiledTheatre
from flashpoint.scenario.distributions import is_uncertain

TINY = 1e-9


class Draws:
    """Per-run values of a scenario's numbers for runs [start, stop) of a job seeded ``seed``."""

    def __init__(self, theatre: CompiledTheatre, seed: int, start: int, stop: int,
                 quantiles: dict[str, np.ndarray] | None = None):
        self.theatre, self.start, self.stop = theatre, start, stop
        self.n = stop - start
        self.key = stream_key(seed)
        self.quantiles = quantiles or {}
        self.used: set[str] = set()
        self._drawn: dict[str, np.ndarray] = {}
        self._row: dict[str, int] | None = None      # the theatre's uncertain paths, drawn at once
        self._uniforms = np.empty((0, 0))

    def uniforms(self, path: str) -> np.ndarray:
        """The keyed uniform numbers of ``path`` (see :func:`.rng.keyed_uniforms`); those of every
        uncertain value of the theatre are made together on first use."""
        if self._row is None:
            paths = list(self.theatre.uncertain)
            self._row = {p: i for i, p in enumerate(paths)}
            self._uniforms = keyed_uniforms_many(self.key, paths, self.start, self.stop)
        i = self._row.get(path)
        return self._uniforms[i] if i is not None else keyed_uniforms(self.key, path, self.start, self.stop)

    def value(self, path: str, q: Any) -> np.ndarray:
        """The per-run values of the number at ``path``: drawn, or, for a path given in
        ``quantiles`` (an experimental design), the distribution's quantiles at those levels."""
        if is_uncertain(q):
            if path in self._drawn:          # a value is read by the state and again as an input
                return self._drawn[path]
            if path in self.quantiles:
                self.used.add(path)
                u = np.clip(np.asarray(self.quantiles[path], dtype=float)[self.start:self.stop], 1e-12, 1 - 1e-12)
            else:
                u = self.uniforms(path)
            # kept writeable: the compiled kernels see read-only arrays as another type to compile for
            self._drawn[path] = np.asarray(q.ppf(u), dtype=float)
            return self._drawn[path]
        return np.full(self.n, float(q))

    @property
    def drawn(self) -> set[str]:
        """The paths of the uncertain values read so far."""
        return set(self._drawn)

    def param(self, name: str) -> np.ndarray:
        return self.value(f"parameters.{name}", self.theatre.parameters[name].value)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every model parameter's (R,) values, by name."""
        return {name: self.param(name) for name in self.theatre.parameters}

    def table(self, kind: str, ids: list[str], entries: dict, attr: str) -> np.ndarray:
        """(runs, len(ids)) draws of one attribute of a table of forces."""
        out = np.empty((self.n, len(ids)))
        for j, i in enumerate(ids):
            q = getattr(entries[i], attr)
            out[:, j] = self.value(f"forces.{kind}.{i}.{attr}", q) if is_uncertain(q) else float(q)
        return out


# ------------------------------------------------------------------------------ per-kind draws
class FormationDraws(NamedTuple):
    """(R, F) per run and formation."""

    quality: np.ndarray
    morale: np.ndarray
    breakpoint: np.ndarray     # share of its strength at arrival whose loss breaks it
    personnel0: np.ndarray     # strength at arrival


class WingDraws(NamedTuple):
    """(R, W) per run and wing."""

    sortie_rate: np.ndarray    # sorties per aircraft per day
    air_to_air: np.ndarray     # kills per counter-air sortie
    strike_kills: np.ndarray   # personnel killed per ground-attack sortie
    sead_kills: np.ndarray     # chance a SEAD sortie destroys its battery
    standoff_kills: np.ndarray  # kills per stand-off sortie, as a multiple of strike_kills


class DroneDraws(NamedTuple):
    """(R, Dn) per run and drone unit."""

    sorties_per_day: np.ndarray   # sorties per drone per day
    strike_kills: np.ndarray
    armour_kills: np.ndarray      # pieces of heavy equipment destroyed per sortie
    sead_kills: np.ndarray
    standoff_kills: np.ndarray    # kills per stand-off sortie, as a multiple of the two above


class BatteryDraws(NamedTuple):
    """(R, B) per run and battery."""

    engagement_prob: np.ndarray   # chance it engages a sortie over a place it covers
    kill_prob: np.ndarray         # chance an engagement downs the sortie
    reload_per_day: np.ndarray    # missiles
    missiles0: np.ndarray         # missiles at the start, the most it holds


class JammerDraws(NamedTuple):
    """(R, J) per run and jammer."""

    air_defence_cut: np.ndarray   # share of an enemy battery's engagements it prevents
    drone_cut: np.ndarray         # share of an enemy drone sortie's kills it prevents


class AdaptationDraws(NamedTuple):
    """(R, A) per run and actor: how its forces learn (no learning: infinite half-life, no gain)."""

    half_life: np.ndarray         # days for air kills on its formations to fall half-way to the floor
    floor: np.ndarray             # share of the first day's kills per sortie they fall to
    crew_gain: np.ndarray         # relative gain of its batteries' engagement odds
    crew_days: np.ndarray         # days over which the gain comes


class LegDraws(NamedTuple):
    """(R, D) per run and directed leg."""

    length_km: np.ndarray      # sourced, or great-circle distance x road-factor


class PlanDraws(NamedTuple):
    """(R, A) per run and actor."""

    opportunism: np.ndarray    # o of the actor's plan (docs/model.md, "Plans"); 1 without a plan


class PowerRules(NamedTuple):
    """(R,) parameters of combat power, defence and the choice of targets (docs/model.md,
    "Ground": "Combat power", "Defence", "Fronts and attacks")."""

    tank_weight: np.ndarray
    ifv_weight: np.ndarray
    artillery_weight: np.ndarray
    morale_weight: np.ndarray
    broken_power: np.ndarray
    air_superiority_power: np.ndarray
    posture_defend: np.ndarray
    posture_hold: np.ndarray
    by_terrain: np.ndarray     # (R, len(TERRAINS)) terrain factor of defence
    attack_min_ratio: np.ndarray
    capture_ratio: np.ndarray  # the ratio at which an attack advances at full speed (attackers split past it)


class GroundRules(NamedTuple):
    """(R,) parameters of the ground phase (docs/model.md, "Ground": "Pull-out", "Attrition",
    "Advance and capture", "Breakpoints")."""

    pull_out_ratio: np.ndarray
    attrition_rate: np.ndarray
    helmbold_exponent: np.ndarray
    max_daily_loss: np.ndarray
    loss_dispersion: np.ndarray
    advance_km_per_day: np.ndarray
    gain_rate: np.ndarray      # advance-km-per-day / (capture-ratio - 1): km a day per unit of ratio
    air_superiority_breakpoint: np.ndarray
    combat_days_exponent: np.ndarray   # casualties over D days of one battle scale as D^k
    left_behind_share: np.ndarray      # heavy equipment a formation leaves when it retreats from a fallen place
    killed_share: np.ndarray           # the killed among the personnel a ground fight puts out of action


class AirRules(NamedTuple):
    """(R,) parameters of the air phase (docs/model.md, "Air")."""

    sead_suppression: np.ndarray
    drone_exposure: np.ndarray         # a drone sortie's weight against air defence (3)
    drone_air_exposure: np.ndarray     # its weight against fighters (4)
    counter_air_search: np.ndarray     # enemy sorties at which a counter-air sortie meets one w.p. 1 - 1/e (4)
    cas_armour_share: np.ndarray


class RunDraws(NamedTuple):
    """Every per-run constant the kernels read, for a block of runs (the parameters by name are
    :attr:`Draws.params`)."""

    formations: FormationDraws
    wings: WingDraws
    drone_units: DroneDraws
    batteries: BatteryDraws
    jammers: JammerDraws
    adaptation: AdaptationDraws
    legs: LegDraws
    plans: PlanDraws
    power: PowerRules
    ground: GroundRules
    air: AirRules


def _opportunism(th: CompiledTheatre, draws: Draws) -> np.ndarray:
    """(R, A) each actor's opportunism weight, drawn from its plan's (1 for an actor without a plan)."""
    out = np.ones((draws.n, th.n_actors))
    for pid, plan in th.scenario.plans.items():
        out[:, th.actor_index(plan.actor)] = draws.value(f"plans.{pid}.opportunism", plan.opportunism)
    return out


def draw_run(th: CompiledTheatre, draws: Draws) -> RunDraws:
    """Read every per-run constant of the block from ``draws`` (in the order the state's numbers are
    read, so a path drawn twice gets the same values)."""
    f = th.scenario.forces
    params = draws.params

    def g(attr):
        return draws.table("ground", th.formation_ids, f.ground, attr)

    def w(attr):
        return draws.table("air", th.wing_ids, f.air, attr)

    def d(attr):
        return draws.table("drones", th.drone_ids, f.drones, attr)

    def b(attr):
        return draws.table("air_defence", th.battery_ids, f.air_defence, attr)

    def j(attr):
        return draws.table("jammers", th.jammer_ids, f.jammers, attr)

    road = params["road-factor"][:, None]
    sourced = np.nan_to_num(th.legs.km, nan=0.0)[None, :]
    derived = th.map.dist_km[th.legs.src, th.legs.dst][None, :] * road
    length = np.where(np.isnan(th.legs.km)[None, :], derived, sourced)
    p = params
    return RunDraws(
        formations=FormationDraws(quality=g("quality"), morale=g("morale"), breakpoint=g("breakpoint"),
                                  personnel0=np.round(g("personnel"))),
        wings=WingDraws(sortie_rate=w("sortie_rate"), air_to_air=w("air_to_air"), strike_kills=w("strike_kills"),
                        sead_kills=w("sead_kills"), standoff_kills=w("standoff_kills")),
        drone_units=DroneDraws(sorties_per_day=d("sorties_per_day"), strike_kills=d("strike_kills"),
                               armour_kills=d("armour_kills"), sead_kills=d("sead_kills"),
                               standoff_kills=d("standoff_kills")),
        batteries=BatteryDraws(engagement_prob=b("engagement_prob"), kill_prob=b("kill_prob"),
                               reload_per_day=b("reload_per_day"), missiles0=np.round(b("missiles"))),
        jammers=JammerDraws(air_defence_cut=j("air_defence_cut"), drone_cut=j("drone_cut")),
        adaptation=adaptation_draws(th, draws),
        legs=LegDraws(length_km=length),
        plans=PlanDraws(opportunism=_opportunism(th, draws)),
        power=PowerRules(
            tank_weight=p["tank-weight"], ifv_weight=p["ifv-weight"], artillery_weight=p["artillery-weight"],
            morale_weight=p["morale-weight"], broken_power=p["broken-power"],
            air_superiority_power=p["air-superiority-power"], posture_defend=p["posture-defend"],
            posture_hold=p["posture-hold"],
            by_terrain=np.stack([p[f"terrain-{t}"] if f"terrain-{t}" in p else np.ones(draws.n) for t in TERRAINS],
                                axis=1),
            attack_min_ratio=p["attack-min-ratio"], capture_ratio=p["capture-ratio"]),
        ground=GroundRules(
            pull_out_ratio=p["pull-out-ratio"], attrition_rate=p["attrition-rate"],
            helmbold_exponent=p["helmbold-exponent"], max_daily_loss=p["max-daily-loss"],
            loss_dispersion=p["loss-dispersion"], advance_km_per_day=p["advance-km-per-day"],
            gain_rate=p["advance-km-per-day"] / np.maximum(p["capture-ratio"] - 1, TINY),
            air_superiority_breakpoint=p["air-superiority-breakpoint"],
            combat_days_exponent=p["combat-days-exponent"], left_behind_share=p["left-behind-share"],
            killed_share=p["killed-share"]),
        air=AirRules(sead_suppression=p["sead-suppression"], drone_exposure=p["drone-exposure"],
                     drone_air_exposure=p["drone-air-exposure"],
                     counter_air_search=p["counter-air-search"], cas_armour_share=p["cas-armour-share"]),
    )


def adaptation_draws(th: CompiledTheatre, draws: Draws) -> AdaptationDraws:
    """Each actor's learning (``forces.adaptation``, docs/model.md, "Air", 10), per run; an actor
    that does not learn keeps an infinite half-life and no gain, which leave every rate as it is."""
    shape = (draws.n, th.n_actors)
    out = AdaptationDraws(np.full(shape, np.inf), np.ones(shape), np.zeros(shape), np.ones(shape))
    for aid, ad in th.scenario.forces.adaptation.items():
        a = th.actor_index(ad.owner)
        if ad.dispersal_half_life_days is not None:
            out.half_life[:, a] = draws.value(f"forces.adaptation.{aid}.dispersal_half_life_days",
                                              ad.dispersal_half_life_days)
            out.floor[:, a] = draws.value(f"forces.adaptation.{aid}.dispersal_floor", ad.dispersal_floor)
        out.crew_gain[:, a] = draws.value(f"forces.adaptation.{aid}.crew_gain", ad.crew_gain)
        out.crew_days[:, a] = draws.value(f"forces.adaptation.{aid}.crew_days", ad.crew_days)
    return out
