// The gallery's order: students who need a look first, then those the camera can't see, then the rest,
// disconnected students last; by name within a group. A student moves up as soon as they need more attention
// but only moves down once the calmer state has held for HOLD_MS, so a flag that flickers does not make the
// tiles jump every second.

export const HOLD_MS = 8000;

export const GROUPS = { needs_look: 0, cant_see: 1, rest: 2, disconnected: 3 };

/** The group a student belongs in now: their tile's status and whether any flag of theirs is active. */
export function needGroup(status, flagged) {
  if (status === "disconnected") return GROUPS.disconnected;
  if (flagged) return GROUPS.needs_look;
  if (status === "cant_see" || status === "no_face") return GROUPS.cant_see;
  return GROUPS.rest;
}

/**
 * Keeps each student's shown group with hysteresis. `update(id, group, now)` returns true when the shown group
 * changed (the gallery should reorder); `due(now)` moves down the students whose calmer group has held long enough.
 */
export class NeedOrder {
  constructor({ holdMs = HOLD_MS } = {}) {
    this.holdMs = holdMs;
    this.shown = new Map(); // id -> the group the tile is placed in
    this.pending = new Map(); // id -> {group, since}: a calmer group waiting out the hold
  }

  update(id, group, now) {
    const shown = this.shown.get(id);
    if (shown === undefined || group <= shown || group === GROUPS.disconnected) {
      // New, more urgent, or gone: place at once (a disconnected student is not waiting to be helped).
      this.pending.delete(id);
      this.shown.set(id, group);
      return shown !== group;
    }
    const waiting = this.pending.get(id);
    if (!waiting || waiting.group !== group) this.pending.set(id, { group, since: now });
    return this.due(now);
  }

  /** Applies calmer groups that held for the hold time; true when any tile's group changed. */
  due(now) {
    let changed = false;
    for (const [id, { group, since }] of this.pending) {
      if (now - since < this.holdMs) continue;
      this.pending.delete(id);
      this.shown.set(id, group);
      changed = true;
    }
    return changed;
  }

  remove(id) {
    this.shown.delete(id);
    this.pending.delete(id);
  }

  clear() {
    this.shown.clear();
    this.pending.clear();
  }

  group(id) {
    return this.shown.get(id) ?? GROUPS.rest;
  }

  /** Compare two students {id, name} by shown group, then name in the reader's locale. */
  compare(a, b) {
    return this.group(a.id) - this.group(b.id) || String(a.name || "").localeCompare(String(b.name || ""), undefined, { numeric: true, sensitivity: "base" });
  }
}
