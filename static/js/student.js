// The student's live page: camera snapshots, attention signals, student voice and pulse checks.
// Speaks the student side of protocol v1 (docs/protocol.md).
// Every sentence is in the reader's language (i18n.js); the server's own messages are English, for developers.
import { clipText, format, formatNumber, gettext, pgettext } from "./i18n.js";
import { CLOSE_REASONS, FINAL_CODES, LiveSocket } from "./live-socket.js";
import { POLL_OPTION_LABELS, VOICE_LABELS } from "./labels.js";
import { announcer, setText } from "./util.js";
import { QUALITY_HINTS } from "./vocabulary.js";

const root = document.getElementById("student");
const $ = (id) => document.getElementById(id);
const announce = announcer($("announcer"));

const CAPTURE_WIDTH = 320;
const JPEG_QUALITY = 0.7;
const MAX_FRAME_BYTES = 190 * 1024; // the server refuses more than 200 KiB
const MAX_BUFFERED_BYTES = 256 * 1024; // skip a frame rather than queue up behind a slow link
const VOICE_COOLDOWN_MS = 2500;
const NOTE_MAX = Number(document.getElementById("voice-text").dataset.maxLength) || 280; // what the server keeps

const CAMERA_ERRORS = {
  NotAllowedError: gettext("Camera permission was not given. To share, allow the camera in your browser's site settings (often the camera icon in the address bar), then press Start camera again."),
  SecurityError: gettext("Your browser blocked the camera on this page. Ask your teacher for the https link."),
  NotFoundError: gettext("No camera was found. Plug one in, or join without a camera: you can still use the buttons on this page."),
  OverconstrainedError: gettext("Your camera could not be started with the needed settings. Try another camera."),
  NotReadableError: gettext("Your camera is busy in another app (for example a video call). Close that app, then press Start camera again."),
  AbortError: gettext("The camera did not start. Please try again."),
};

// What the student reads when the server answers a command with an error, by its code (docs/protocol.md).
const ERROR_MESSAGES = {
  bad_message: gettext("That did not work. Please try again."),
  overloaded: gettext("The server is busy. Please try again in a moment."),
  too_many_commands: gettext("Too many messages at once: the last one was not sent. Wait a moment, then try again."),
  too_many_reports: gettext("You have sent many notes this minute: this one was not sent. Try again in a minute."),
  left: gettext("You have left this class (in another tab?): nothing more is recorded."),
};
// A refused note goes back into its box, so the student's words are never lost.
const REPORT_REFUSALS = new Set(["too_many_commands", "too_many_reports", "overloaded", "bad_message"]);

const state = {
  intervalMs: Math.max(1000, Number(root.dataset.frameIntervalMs) || 2000),
  baseIntervalMs: Math.max(1000, Number(root.dataset.frameIntervalMs) || 2000),
  camera: "off", // "on" | "paused" | "off"
  stream: null,
  lastFrameAt: 0, // last frame, or last paused heartbeat: the server rate-limits both
  encoding: false,
  lastInputAt: performance.now(),
  quality: null,
  poll: null,
  ended: false,
  leaving: false,
  timer: null,
  jpegQuality: JPEG_QUALITY,
  pendingReport: null, // {text} of a note sent and not yet acknowledged
};

const video = $("preview");
const canvas = $("capture");
// 4029: a newer tab took over. Reconnecting would take it back, and the two tabs would fight.
const socket = new LiveSocket(root.dataset.wsPath, {
  onMessage: handleMessage,
  onStatus: showConnection,
  finalCodes: [...FINAL_CODES, 4029],
});

// --- Attention signals ---------------------------------------------------------------------------

for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "touchstart"]) {
  window.addEventListener(type, () => { state.lastInputAt = performance.now(); }, { passive: true, capture: true });
}

function attentionMessage() {
  return {
    type: "attention",
    visible: document.visibilityState === "visible",
    focused: document.hasFocus(),
    idle_s: Math.round((performance.now() - state.lastInputAt) / 100) / 10,
    camera: state.camera,
  };
}

// --- The send loop: one frame (or one heartbeat) per interval --------------------------------------------

function scheduleTick() {
  clearTimeout(state.timer);
  if (state.ended) return;
  // A little slack, so network jitter never delivers two frames closer than the interval.
  state.timer = setTimeout(tick, state.intervalMs + 40);
}

function tick() {
  scheduleTick();
  if (!socket.isOpen) return;
  if (state.camera === "on" && cameraLive()) sendFrame();
  else sendHeartbeat();
}

/** Attention without a frame; the server counts it against the frame rate unless the camera is on. */
function sendHeartbeat() {
  const message = attentionMessage();
  if (socket.sendJSON(message) && message.camera !== "on") state.lastFrameAt = performance.now();
}

function cameraLive() {
  const track = state.stream && state.stream.getVideoTracks()[0];
  return !!track && track.readyState === "live" && video.readyState >= 2 && video.videoWidth > 0;
}

function sendFrame() {
  const now = performance.now();
  // Never faster than the session's interval (the server drops early frames).
  if (state.encoding || now - state.lastFrameAt < state.intervalMs) return;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
  const width = CAPTURE_WIDTH;
  const height = Math.round((video.videoHeight / video.videoWidth) * width);
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(video, 0, 0, width, height);
  state.encoding = true;
  const capturedAt = now;
  canvas.toBlob(async (blob) => {
    try {
      if (!blob || state.camera !== "on" || !socket.isOpen) return;
      if (blob.size > MAX_FRAME_BYTES) {
        state.jpegQuality = Math.max(0.4, state.jpegQuality - 0.1);
        return;
      }
      const bytes = await blob.arrayBuffer();
      if (state.camera !== "on" || !cameraLive()) return;
      socket.sendJSON(attentionMessage());
      if (socket.sendBinary(bytes)) state.lastFrameAt = capturedAt;
    } finally {
      state.encoding = false;
    }
  }, "image/jpeg", state.jpegQuality);
}

// --- Camera -----------------------------------------------------------------------------------------------

async function startCamera() {
  const startButton = $("camera-start");
  setText($("camera-error"), "");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setText($("camera-error"), window.isSecureContext
      ? gettext("This browser cannot share a camera. Try an up-to-date Chrome, Edge, Firefox or Safari.")
      : gettext("The camera only works over a secure (https) link. Ask your teacher for it."));
    return;
  }
  startButton.disabled = true;
  setText(startButton, gettext("Starting camera…"));
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
      audio: false,
    });
    if (state.ended) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    state.stream = stream;
    video.srcObject = stream;
    const [track] = stream.getVideoTracks();
    track.addEventListener("ended", () => {
      stopCamera();
      setText($("camera-error"), gettext("Your camera stopped (was it unplugged or turned off?). Press Start camera to try again."));
    });
    await video.play().catch(() => {});
    setCamera("on");
    $("privacy").open = false;
    $("camera-pause").focus();
  } catch (err) {
    setText($("camera-error"), CAMERA_ERRORS[err && err.name] || gettext("The camera could not be started. Please try again."));
    setCamera("off");
  } finally {
    startButton.disabled = false;
    setText(startButton, gettext("Start camera"));
  }
}

function stopCamera() {
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stream = null;
  video.srcObject = null;
  setCamera("off");
}

function setCamera(camera) {
  const changed = camera !== state.camera;
  state.camera = camera;
  const badge = $("share-state");
  const labels = { on: gettext("Sharing"), paused: pgettext("camera", "Paused"), off: gettext("Camera off") };
  badge.textContent = labels[camera];
  badge.className = `badge ${camera === "on" ? "badge--live" : camera === "paused" ? "badge--paused" : "badge--neutral"}`;
  $("camera-off").hidden = camera !== "off";
  $("camera-paused").hidden = camera !== "paused";
  $("camera-frame").classList.toggle("camera__frame--paused", camera === "paused");
  $("camera-start").hidden = camera !== "off";
  const pause = $("camera-pause");
  pause.hidden = camera === "off";
  setText(pause, camera === "paused" ? gettext("Resume camera") : gettext("Pause camera"));
  if (camera !== "on") {
    state.quality = null;
    setText($("quality"), "");
    $("quality").className = "quality";
  }
  if (changed) {
    // Tell the teacher's tile at once rather than at the next tick.
    sendHeartbeat();
    if (camera !== "off") {
      announce(camera === "on"
        ? gettext("Camera on: sharing snapshots with your class.")
        : gettext("Camera paused: no snapshots are sent."));
    }
  }
}

$("camera-start").addEventListener("click", startCamera);
$("camera-pause").addEventListener("click", () => setCamera(state.camera === "paused" ? "on" : "paused"));

// --- Messages from the server ---------------------------------------------------------------------------

const handlers = {
  hello(msg) {
    const interval = msg.session && Number(msg.session.frame_interval_ms);
    if (interval >= 1000) state.intervalMs = state.baseIntervalMs = interval;
    if (msg.session && msg.session.status === "ended") endClass();
    $("elsewhere").hidden = true;
    sendHeartbeat();
  },
  quality(msg) {
    if (state.camera !== "on") return;
    // The page's own words for the state (in the reader's language); the server's English hint only for a state
    // this page does not know yet.
    const text = QUALITY_HINTS[msg.state] || msg.hint || "";
    if (state.quality === msg.state && $("quality").textContent === text) return;
    state.quality = msg.state;
    setText($("quality"), text);
    $("quality").className = `quality quality--${msg.state === "ok" ? "ok" : "warn"}`;
  },
  "self_report.ack"(msg) {
    state.pendingReport = null;
    setText($("voice-status"), format(gettext("Your teacher got it: “%(label)s”."), { label: VOICE_LABELS[msg.kind] || msg.kind }));
  },
  "poll.started"(msg) {
    showPoll(msg.poll);
  },
  "poll.closed"(msg) {
    if (state.poll && msg.poll_id === state.poll.id) hidePoll();
  },
  "session.ended"() {
    endClass();
  },
  error(msg) {
    if (msg.code === "rate_limited") {
      // Our clock and the server's disagree a little: slow down by a tenth, up to twice the interval.
      state.intervalMs = Math.min(state.baseIntervalMs * 2, Math.round(state.intervalMs * 1.1));
    } else if (msg.code === "frame_too_large") {
      state.jpegQuality = Math.max(0.4, state.jpegQuality - 0.1);
    } else {
      console.warn("Server error", msg.code, msg.message);
      const text = ERROR_MESSAGES[msg.code];
      if (msg.code === "left") state.pendingReport = null; // this student left (in another tab): nothing to resend
      if (state.pendingReport && REPORT_REFUSALS.has(msg.code)) {
        reportRefused(text || ERROR_MESSAGES.bad_message);
      } else if (text) {
        announce(text);
      }
    }
  },
};

function handleMessage(msg) {
  if (!msg || typeof msg !== "object") return;
  const handler = handlers[msg.type];
  if (handler) handler(msg);
}

// --- Connection status --------------------------------------------------------------------------------------

let countdown = null;
function showConnection(status) {
  const el = $("connection");
  const text = $("connection-text");
  clearInterval(countdown);
  el.className = `conn conn--${status.state}`;
  // A note in flight when the socket drops may or may not have arrived: its words go back into the box, and the
  // student decides whether to send it again.
  if (status.state !== "open" && state.pendingReport) {
    reportRefused(gettext("The connection dropped: your note may not have reached your teacher."));
  }
  if (status.state === "connecting") {
    setText(text, status.attempt ? gettext("Reconnecting…") : gettext("Connecting…"));
  } else if (status.state === "open") {
    setText(text, gettext("Connected"));
  } else if (status.state === "reconnecting") {
    const why = status.code === 4029
      ? gettext("Open in another tab · reconnecting in %(seconds)s s")
      : gettext("Connection lost · reconnecting in %(seconds)s s");
    const update = () => setText(text, format(why, {
      seconds: formatNumber(Math.max(1, Math.ceil((status.retryAt - Date.now()) / 1000))),
    }));
    update();
    countdown = setInterval(update, 1000);
  } else if (status.state === "closed") {
    if (status.code === 4004) endClass();
    else if (status.code === 4029) openedElsewhere();
    else if (status.code === 4001) {
      endClass(gettext("You are no longer in this class"),
        gettext("You left it, your data was deleted, or your link expired. To take part again, join with the code."),
        gettext("Join again"), false);
    } else {
      endClass(gettext("You can't join this class"),
        CLOSE_REASONS[status.code] || gettext("This link is not valid for this class."), gettext("Back"), false);
    }
  }
}

// --- Student voice ----------------------------------------------------------------------------------------------

const voiceText = $("voice-text");

/** "12 of 280 characters", counted as the server counts (code points). */
function noteCount() {
  const count = Array.from(voiceText.value).length;
  return format(gettext("%(count)s of %(max)s characters"), { count: formatNumber(count), max: formatNumber(NOTE_MAX) });
}

voiceText.addEventListener("input", () => {
  // Longer than the server keeps: cut at the last whole character (an emoji with its skin tone, a letter with its
  // marks, a Devanagari conjunct), never inside one.
  if (Array.from(voiceText.value).length > NOTE_MAX) voiceText.value = clipText(voiceText.value, NOTE_MAX);
  setText($("voice-text-count"), noteCount());
});

for (const button of document.querySelectorAll(".voice-button")) {
  button.addEventListener("click", () => {
    const kind = button.dataset.kind;
    const text = clipText(voiceText.value.trim(), NOTE_MAX);
    const message = { type: "self_report", kind };
    if (text) message.text = text;
    if (!socket.sendJSON(message)) {
      setText($("voice-status"), gettext("Not connected right now. Try again in a moment."));
      return;
    }
    state.pendingReport = { text };
    voiceText.value = "";
    setText($("voice-text-count"), noteCount());
    setText($("voice-status"), format(gettext("Sending “%(label)s”…"), { label: VOICE_LABELS[kind] }));
    // A short pause between taps, so one nervous double-click is not two reports.
    const buttons = document.querySelectorAll(".voice-button");
    buttons.forEach((b) => { b.disabled = true; });
    setTimeout(() => {
      buttons.forEach((b) => { b.disabled = state.ended; });
      if (document.activeElement === document.body) button.focus();
    }, VOICE_COOLDOWN_MS);
  });
}

function reportRefused(text) {
  const { text: note } = state.pendingReport;
  state.pendingReport = null;
  if (note && !voiceText.value.trim()) {
    voiceText.value = note;
    setText($("voice-text-count"), noteCount());
  }
  setText($("voice-status"), text);
}

// --- Pulse check ----------------------------------------------------------------------------------------------------

function showPoll(poll) {
  state.poll = poll;
  setText($("poll-question"), poll.question);
  const answers = $("poll-card").querySelectorAll("[data-answer]");
  for (const button of answers) {
    const option = button.dataset.answer;
    button.hidden = Array.isArray(poll.options) && !poll.options.includes(option);
    button.setAttribute("aria-pressed", "false");
    setText(button, POLL_OPTION_LABELS[option] || option);
  }
  setText($("poll-status"), "");
  $("poll-card").hidden = false;
  announce(format(gettext("Your teacher asks: %(question)s"), { question: poll.question }));
}

function hidePoll() {
  const card = $("poll-card");
  const hadFocus = card.contains(document.activeElement);
  card.hidden = true;
  state.poll = null;
  announce(gettext("The pulse check is closed. Thank you!"));
  if (hadFocus) $("voice-title").focus();
}

for (const button of document.querySelectorAll("#poll-card [data-answer]")) {
  button.addEventListener("click", () => {
    if (!state.poll) return;
    const answer = button.dataset.answer;
    if (!socket.sendJSON({ type: "poll.answer", poll_id: state.poll.id, answer })) {
      setText($("poll-status"), gettext("Not connected right now. Try again in a moment."));
      return;
    }
    for (const other of document.querySelectorAll("#poll-card [data-answer]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    setText($("poll-status"), format(
      gettext("You answered “%(answer)s”. You can change it until your teacher closes the check."),
      { answer: POLL_OPTION_LABELS[answer] },
    ));
  });
}

// --- Leaving and the end of class --------------------------------------------------------------------------------

// Leaving and deleting go by plain form POSTs: they work even while the socket is down, and the page the
// server answers with says what happened (and still offers to delete after leaving).
$("leave-form").addEventListener("submit", () => {
  state.leaving = true;
  setText($("leave-status"), gettext("Leaving…"));
  stopForGood();
});

$("delete-form").addEventListener("submit", () => {
  state.leaving = true;
  setText($("leave-status"), gettext("Leaving and deleting your data…"));
  stopForGood();
});

function stopForGood() {
  clearTimeout(state.timer);
  socket.stop(1000, "left");
  stopCamera();
}

function openedElsewhere() {
  stopCamera();
  setText($("connection-text"), gettext("Paused: open in another tab"));
  const panel = $("elsewhere");
  panel.hidden = false;
  panel.focus();
}

$("use-here").addEventListener("click", () => {
  $("elsewhere").hidden = true;
  socket.start();
  $("camera-start").focus();
});

/** The class is over for this page: the class ended (deleting is still possible), or, with `canDelete` false,
 * the server no longer knows this student or refused the link. */
function endClass(title = null, text = null, linkText = null, canDelete = true) {
  if (state.ended) return;
  $("ended-delete-form").hidden = !canDelete;
  $("ended-delete-help").hidden = !canDelete;
  state.ended = true;
  clearTimeout(state.timer);
  socket.stop();
  stopCamera();
  $("student-live").hidden = true;
  if (title) setText($("ended-title"), title); // else the page's own "The class has ended"
  if (text) setText($("ended-text"), text);
  if (linkText) setText($("ended-link"), linkText);
  const panel = $("ended-panel");
  panel.hidden = false;
  panel.focus();
  $("connection").className = "conn conn--closed";
  setText($("connection-text"), canDelete ? gettext("Class ended") : gettext("Disconnected"));
}

// --- Start -----------------------------------------------------------------------------------------------------------------

setCamera("off");
socket.start();
scheduleTick();
// The student chose "with my camera on" when joining: start it once, as they asked.
if (root.dataset.cameraStart === "true") startCamera();
