/**
 * The emulated clock: real time plus an offset that only moves forward. The
 * admin API advances it so tests can age backups past retention rules without
 * waiting; request signatures are still checked against the real clock.
 */
export class EmulatorClock {
    private offsetMs: number;

    constructor(offsetMs = 0) {
        this.offsetMs = offsetMs;
    }

    /** Emulated time in ms since epoch. */
    now(): number {
        return Date.now() + this.offsetMs;
    }

    /** How far the emulated clock is ahead of the real one, in ms. */
    get offset(): number {
        return this.offsetMs;
    }

    /** Moves the emulated clock forward by `ms` (never backward: jobs and ages must stay monotonic). */
    advance(ms: number): void {
        if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock can only move forward by a finite number of ms, got ${ms}`);
        this.offsetMs += ms;
    }
}
