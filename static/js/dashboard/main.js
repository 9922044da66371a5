// The teacher's live dashboard: speaks the teacher side of protocol v1 (docs/protocol.md).
import { format, formatNumber, gettext, ngettext, pgettext } from "../i18n.js";
import { LiveSocket } from "../live-socket.js";
import { VOICE_REPORTED } from "../labels.js";
import { announcer, clock, h, setText } from "../util.js";
import { Gallery, isActiveFlag } from "./tiles.js";
import { ThumbnailWatch } from "./thumbs.js";
import { Timeline } from "./timeline.js";
import { PollPanel, VoicePanel } from "./voice.js";
import { explanationText, flagLabel } from "../explanations.js";

const root = document.getElementById("dashboard");
const $ = (id) => document.getElementById(id);
const announce = announcer($("announcer"));

const state = {
  emotionEnabled: root.dataset.emotionEnabled === "true",
  ended: root.dataset.isLive !== "true",
  flags: new Map(), // "participant:kind" -> the latest flag of that kind (active or cleared)
  latestPoint: null,
  alertMessage: null,
  ending: false,
};

const gallery = new Gallery($("gallery"), { emotionEnabled: state.emotionEnabled, onDismiss: dismissFlag, onOrder: () => renderFlagList() });
const timeline = new Timeline($("timeline-chart"), { emotionEnabled: state.emotionEnabled, summaryEl: $("timeline-summary"), showShares: sharesWanted() });

/** The expression toggle: off by default (engagement never rests on expressions alone), remembered per browser. */
function sharesWanted() {
  const box = $("show-shares");
  if (!box) return false;
  try {
    box.checked = localStorage.getItem("pulse.showShares") === "1";
  } catch {
    box.checked = false;
  }
  box.addEventListener("change", () => {
    try {
      localStorage.setItem("pulse.showShares", box.checked ? "1" : "0");
    } catch {
      // Storage may be off: the choice lasts for this page only.
    }
    timeline.setShowShares(box.checked);
  });
  return box.checked;
}
const voice = new VoicePanel({ countsEl: $("voice-counts"), feedEl: $("voice-feed"), emptyEl: $("voice-empty") });
const poll = new PollPanel(
  {
    form: $("poll-form"),
    question: $("poll-question"),
    live: $("poll-live"),
    liveQuestion: $("poll-live-question"),
    liveState: $("poll-live-state"),
    bars: $("poll-bars"),
    closeButton: $("poll-close"),
    newButton: $("poll-new"),
    endedNote: $("poll-ended"),
  },
  {
    start: (question) => sendOrWarn({ type: "poll.start", question }),
    close: (pollId) => sendOrWarn({ type: "poll.close", poll_id: pollId }),
    announce,
  },
);

const socket = new LiveSocket(root.dataset.wsPath, { onMessage: handleMessage, onStatus: showConnection });
const thumbnails = new ThumbnailWatch($("gallery"), $("thumb-rate"), (message) => socket.sendJSON(message), (id) => gallery.dropThumbnails(id));
gallery.onScreen = (id) => thumbnails.visible.has(id);

// --- Messages from the server ---------------------------------------------------------

const handlers = {
  snapshot(msg) {
    if (msg.session) applySession(msg.session);
    state.flags.clear();
    for (const flag of msg.flags || []) {
      state.flags.set(flagKey(flag), flag);
      timeline.addFlag(flag);
    }
    gallery.clear();
    for (const tile of msg.students || []) upsertStudent(tile);
    timeline.setPoints(msg.timeline || []);
    state.latestPoint = (msg.timeline || []).reduce((a, p) => (!a || p.t >= a.t ? p : a), null);
    voice.set(msg.voice || {});
    timeline.setVoice((msg.voice && msg.voice.recent) || []);
    poll.setAll(msg.polls || []);
    showAlert(msg.alert || null);
    renderFlagList();
    renderStats();
  },
  "student.update"(msg) {
    upsertStudent(msg.student);
    renderFlagList();
    renderStats();
  },
  "student.removed"(msg) {
    for (const [key, flag] of state.flags) if (flag.participant_id === msg.participant_id) state.flags.delete(key);
    gallery.remove(msg.participant_id);
    renderFlagList();
    renderStats();
  },
  "students.update"(msg) {
    for (const tile of msg.students || []) upsertStudent(tile);
    renderFlagList();
    renderStats();
  },
  "timeline.point"(msg) {
    timeline.addPoint(msg.point);
    if (!state.latestPoint || msg.point.t >= state.latestPoint.t) state.latestPoint = msg.point;
    renderStats();
  },
  "flag.raised"(msg) {
    const flag = msg.flag;
    const known = state.flags.get(flagKey(flag));
    const isNew = !known || !isActiveFlag(known);
    state.flags.set(flagKey(flag), known && !isNew ? { cause: known.cause, ...flag } : flag);
    timeline.addFlag(flag);
    gallery.setFlags(flag.participant_id, activeFlagsFor(flag.participant_id));
    renderFlagList();
    if (isNew && isActiveFlag(flag)) announce(`${flag.name}: ${flagLabel(flag)}. ${explanationText(flag)}`);
  },
  "flag.cleared"(msg) {
    state.flags.set(flagKey(msg.flag), msg.flag);
    gallery.setFlags(msg.flag.participant_id, activeFlagsFor(msg.flag.participant_id));
    renderFlagList();
  },
  "class.alert"(msg) {
    showAlert(msg.alert);
  },
  voice(msg) {
    voice.add(msg.report, msg.counts);
    timeline.addVoice(msg.report);
    const r = msg.report;
    announce(`${r.name} ${VOICE_REPORTED[r.kind] || r.kind}${r.text ? `: ${r.text}` : ""}`);
  },
  "poll.results"(msg) {
    poll.update(msg.poll);
  },
  "session.ended"() {
    showEnded();
  },
  settings(msg) {
    $("sensitivity").value = msg.sensitivity;
    const option = $("sensitivity").selectedOptions[0];
    setText($("settings-status"), format(gettext("Flag sensitivity is now %(level)s."), { level: option ? option.textContent : msg.sensitivity }));
  },
  error(msg) {
    toast(msg.message || gettext("Something went wrong."));
    poll.reset();
  },
};

function handleMessage(msg) {
  if (!msg || typeof msg !== "object") return;
  const handler = handlers[msg.type];
  if (handler) handler(msg);
}

function applySession(session) {
  if (typeof session.emotion_enabled === "boolean" && session.emotion_enabled !== state.emotionEnabled) {
    state.emotionEnabled = session.emotion_enabled;
    gallery.emotionEnabled = session.emotion_enabled;
    timeline.setEmotionEnabled(session.emotion_enabled);
  }
  if (session.sensitivity) $("sensitivity").value = session.sensitivity;
  if (session.status === "ended") showEnded();
}

/** One current flag per student and kind: a tile's flags may not carry their id yet. */
function flagKey(flag) {
  return `${flag.participant_id}:${flag.kind}`;
}

function activeFlagsFor(participantId) {
  return [...state.flags.values()].filter((f) => f.participant_id === participantId && isActiveFlag(f));
}

function upsertStudent(tile) {
  if (Array.isArray(tile.flags)) {
    // The tile carries the student's current flags: they replace what we knew.
    for (const [key, flag] of state.flags) if (flag.participant_id === tile.id) state.flags.delete(key);
    for (const flag of tile.flags) {
      const full = { name: tile.name, raised_at: flag.since, ...flag, participant_id: tile.id };
      state.flags.set(flagKey(full), full);
      timeline.addFlag(full);
    }
  }
  gallery.upsert(tile, activeFlagsFor(tile.id));
}

// --- Rendering of the summary parts -----------------------------------------------------

function renderStats() {
  const tiles = [...gallery.tiles.values()].map((e) => e.data);
  const connected = tiles.filter((t) => t.status && t.status !== "disconnected").length;
  const present = tiles.filter((t) => t.status === "live").length;
  setText($("stat-connected"), formatNumber(connected));
  setText($("stat-joined"), format(ngettext("%(count)s joined", "%(count)s joined", tiles.length), { count: formatNumber(tiles.length) }));
  setText($("stat-present"), formatNumber(present));
  setText($("stat-present-sub"), format(gettext("of %(count)s connected"), { count: formatNumber(connected) }));
  setText($("student-count"), formatNumber(tiles.length));
  $("gallery-empty").hidden = tiles.length > 0;
  poll.setConnected(connected);

  const point = state.latestPoint;
  for (const key of ["engagement", "attention"]) {
    const value = point && point[key] !== null && point[key] !== undefined ? Math.round(point[key]) : null;
    setText($(`stat-${key}`), value === null ? "—" : formatNumber(value));
    $(`stat-${key}-bar`).style.width = `${value ?? 0}%`;
  }
}

/** The needs-attention strip: every active flag, in the gallery's order (who needs a look, by name). */
function renderFlagList() {
  const active = [...state.flags.values()].filter(isActiveFlag);
  const rank = new Map(gallery.ordered().map((entry, i) => [entry.data.id, i]));
  active.sort((a, b) => (rank.get(a.participant_id) ?? 1e9) - (rank.get(b.participant_id) ?? 1e9) || (a.raised_at || 0) - (b.raised_at || 0));
  const list = $("flag-list");
  const focusedKey = list.contains(document.activeElement) ? document.activeElement.dataset.flagKey : null;
  list.replaceChildren(...active.map((flag) => {
    const label = flagLabel(flag);
    const name = flag.name || gettext("Student");
    const link = h("a", { href: `#student-${flag.participant_id}`, class: "attention-item__name", dir: "auto", title: name, dataset: { flagKey: `${flagKey(flag)}:link` /* i18n: not text */ } }, name);
    link.addEventListener("click", (event) => {
      const tile = $(`student-${flag.participant_id}`);
      if (!tile) return;
      event.preventDefault();
      tile.scrollIntoView({ behavior: "smooth", block: "center" });
      tile.focus({ preventScroll: true });
    });
    let dismiss = null;
    if (flag.id) {
      dismiss = h("button", { type: "button", class: "attention-item__dismiss", dataset: { flagKey: flagKey(flag) }, title: gettext("Dismiss") },
        h("span", { "aria-hidden": "true" }, "×"),
        h("span", { class: "visually-hidden" }, format(gettext("Dismiss the %(flag)s flag for %(name)s"), { flag: label, name })));
      dismiss.addEventListener("click", () => dismissFlag(flag.id, dismiss));
    }
    const since = flag.raised_at ? h("time", { class: "attention-item__since", datetime: new Date(flag.raised_at * 1000).toISOString() },
      format(gettext("since %(time)s"), { time: clock(flag.raised_at) })) : null;
    return h("li", { class: `attention-item flag--${flag.kind}`, title: explanationText(flag) },
      link, " ", h("strong", { class: "attention-item__kind" }, label), " ", since, dismiss);
  }));
  if (focusedKey) list.querySelector(`[data-flag-key="${focusedKey}"]`)?.focus();
  setText($("flag-count"), formatNumber(active.length));
  $("flags-empty").hidden = active.length > 0;
  $("attention-strip").classList.toggle("attention-strip--active", active.length > 0);
}

function showAlert(alert) {
  const region = $("class-alert");
  const message = alert ? alert.message : null;
  if (message === state.alertMessage) return;
  state.alertMessage = message;
  if (!alert) {
    region.replaceChildren();
    return;
  }
  region.replaceChildren(h("div", { class: `class-alert class-alert--${alert.kind || "info"}` },
    h("span", { class: "class-alert__icon", "aria-hidden": "true" }, "!"),
    h("p", {}, h("strong", {}, gettext("Heads up:")), " ", alertText(alert))));
}

/** The class alert in the reader's language, from its numbers (the English `message` when they are missing). */
function alertText(alert) {
  if (typeof alert.confused !== "number" || typeof alert.students !== "number" || typeof alert.share !== "number") {
    return alert.message;
  }
  const message = ngettext(
    "%(confused)s of %(students)s student (%(percent)s) seems confused right now: a good moment to pause, ask a question or explain it another way.",
    "%(confused)s of %(students)s students (%(percent)s) seem confused right now: a good moment to pause, ask a question or explain it another way.",
    alert.students,
  );
  return format(message, {
    confused: formatNumber(alert.confused),
    students: formatNumber(alert.students),
    percent: formatNumber(alert.share, { style: "percent" }),
  });
}

let toastTimer = null;
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  announce(text);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

// --- Connection indicator -------------------------------------------------------------------

let countdown = null;
function showConnection(status) {
  const el = $("connection");
  const text = $("connection-text");
  clearInterval(countdown);
  el.className = `conn conn--${status.state}`;
  switch (status.state) {
    case "connecting":
      setText(text, status.attempt ? gettext("Reconnecting…") : gettext("Connecting…"));
      break;
    case "open":
      setText(text, pgettext("connection", "Connected"));
      poll.reset();
      thumbnails.tell();
      break;
    case "reconnecting": {
      const tick = () => setText(text, format(gettext("Connection lost · retrying in %(seconds)s s"), { seconds: formatNumber(Math.max(1, Math.ceil((status.retryAt - Date.now()) / 1000))) }));
      tick();
      countdown = setInterval(tick, 1000);
      break;
    }
    case "closed":
      if (status.code === 4004) {
        setText(text, gettext("Session ended"));
        showEnded();
      } else if (status.code === 4001) {
        setText(text, gettext("Signed out: log in again to reconnect"));
      } else {
        setText(text, status.reason || gettext("Disconnected"));
      }
      break;
    case "stopped":
      setText(text, state.ended ? gettext("Session ended") : gettext("Disconnected"));
      break;
    default:
      break;
  }
}

// --- Teacher actions ------------------------------------------------------------------------------

function sendOrWarn(message) {
  if (socket.sendJSON(message)) return true;
  toast(gettext("Not connected right now. Try again in a moment."));
  return false;
}

function dismissFlag(flagId, button) {
  if (!sendOrWarn({ type: "flag.dismiss", flag_id: flagId })) return;
  button.disabled = true;
  if (!button.classList.contains("attention-item__dismiss")) button.firstChild.textContent = gettext("Dismissing…");
}

// Larger tiles on demand: the compact gallery fits a class on one screen; the larger one shows every detail.
const tileSize = $("tile-size");
function setLargeTiles(large) {
  tileSize.setAttribute("aria-pressed", String(large));
  $("gallery").classList.toggle("gallery--compact", !large);
  try {
    localStorage.setItem("pulse.largeTiles", large ? "1" : "0");
  } catch {
    // Storage may be off: the choice lasts for this page only.
  }
}
tileSize.addEventListener("click", () => setLargeTiles(tileSize.getAttribute("aria-pressed") !== "true"));
try {
  setLargeTiles(localStorage.getItem("pulse.largeTiles") === "1");
} catch {
  setLargeTiles(false);
}

$("sensitivity").addEventListener("change", (event) => {
  const select = event.target;
  if (sendOrWarn({ type: "settings", sensitivity: select.value })) setText($("settings-status"), gettext("Saving…"));
});

// End session: confirm in a dialog, end over the socket, fall back to the POST form.
const endForm = $("end-form");
const endDialog = $("end-dialog");
endForm.addEventListener("submit", (event) => {
  if (state.ending) return; // the fallback submit below
  event.preventDefault();
  if (typeof endDialog.showModal === "function") endDialog.showModal();
  else if (window.confirm(gettext("End this session for everyone?"))) endSession();
});
$("end-cancel").addEventListener("click", () => endDialog.close());
$("end-confirm").addEventListener("click", () => {
  endDialog.close();
  endSession();
});

function endSession() {
  state.ending = true;
  $("end-button").disabled = true;
  setText($("end-button"), gettext("Ending…"));
  const submitForm = () => {
    if (!state.ended) endForm.submit();
  };
  if (socket.sendJSON({ type: "session.end" })) {
    // Wait for session.ended; if it does not come, the POST does the job.
    setTimeout(submitForm, 4000);
  } else {
    submitForm();
  }
}

/** What only makes sense while the session is live: joining, asking the class, tuning the flags. */
function hideLiveControls() {
  root.classList.add("dashboard--ended");
  $("join-card").hidden = true;
  poll.end();
  $("sensitivity").disabled = true;
}

function showEnded() {
  if (state.ended && !$("ended-panel").hidden) return;
  state.ended = true;
  socket.stop();
  const badge = $("session-status");
  badge.textContent = gettext("Ended");
  badge.className = "badge badge--neutral";
  endForm.hidden = true;
  hideLiveControls();
  // The students' sockets were closed with the session: their tiles and the numbers say so. Nothing live stays
  // on an ended dashboard (as an ended session's snapshot carries none): the report has the session's numbers.
  for (const { data } of gallery.tiles.values()) {
    upsertStudent({ ...data, status: "disconnected", engagement: null, emotion: null, flags: [] });
  }
  state.latestPoint = null;
  renderStats();
  renderFlagList();
  const panel = $("ended-panel");
  panel.hidden = false;
  panel.focus();
  setText($("connection-text"), gettext("Session ended"));
  $("connection").className = "conn conn--closed";
  announce(gettext("The session has ended."));
}

// --- Start ----------------------------------------------------------------------------------------

setInterval(() => {
  gallery.tick();
  voice.tick();
}, 15000);
setInterval(() => gallery.settle(), 1000);

renderStats();
renderFlagList();
if (state.ended) {
  endForm.hidden = true;
  hideLiveControls();
  showConnection({ state: "stopped" });
} else {
  socket.start();
}
