/**
 * restic's definition of a retention tier, written apart from the provider's
 * code so the tests compare two ways of saying it.
 */
import { periodLabel } from "../../provider/periods";
import { Retention, TIER_PERIOD, tiersOf } from "../../provider/retention-policy";

/**
 * What the tiers hold over these instants (ms), by the definition: per tier,
 * group the instants by period, take the newest of each period, keep the
 * newest N periods; the union over the tiers.
 */
export function expectedHeld(retention: Retention, instants: number[]): Set<number> {
    const out = new Set<number>();
    for (const tier of tiersOf(retention)) {
        const newest = new Map<string, number>();
        for (const t of instants) {
            const p = periodLabel(TIER_PERIOD[tier], new Date(t));
            if ((newest.get(p) ?? -Infinity) < t) newest.set(p, t);
        }
        [...newest.values()].sort((a, b) => b - a).slice(0, retention[tier]).forEach(t => out.add(t));
    }
    return out;
}
