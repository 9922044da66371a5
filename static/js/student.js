// The student's live page: camera snapshots, attention signals, student voice and pulse checks.
// Speaks the student side of protocol v1 (docs/protocol.md).
import { FINAL_CODES, LiveSocket } from "./live-socket.js";
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

const CAMERA_ERRORS = {
  NotAllowedError: "Camera permission was not given. To share, allow the camera in your browser's site settings (often the camera icon in the address bar), then press Start camera again.",
  SecurityError: "Your browser blocked the camera on this page. Ask your teacher for the https link.",
  NotFoundError: "No camera was found. Plug one in, or join without a camera: you can still use the buttons on this page.",
  OverconstrainedError: "Your camera could not be started with the needed settings. Try another camera.",
  NotReadableError: "Your camera is busy in another app (for example a video call). Close that app, then press Start camera again.",
  AbortError: "The camera did not start. Please try again.",
};

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
      ? "This browser cannot share a camera. Try an up-to-date Chrome, Edge, Firefox or Safari."
      : "The camera only works over a secure (https) link. Ask your teacher for it.");
    return;
  }
  startButton.disabled = true;
  setText(startButton, "Starting camera…");
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
      setText($("camera-error"), "Your camera stopped (was it unplugged or turned off?). Press Start camera to try again.");
    });
    await video.play().catch(() => {});
    setCamera("on");
    $("privacy").open = false;
    $("camera-pause").focus();
  } catch (err) {
    setText($("camera-error"), CAMERA_ERRORS[err && err.name] || "The camera could not be started. Please try again.");
    setCamera("off");
  } finally {
    startButton.disabled = false;
    setText(startButton, "Start camera");
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
  const labels = { on: "Sharing", paused: "Paused", off: "Camera off" };
  badge.textContent = labels[camera];
  badge.className = `badge ${camera === "on" ? "badge--live" : camera === "paused" ? "badge--paused" : "badge--neutral"}`;
  $("camera-off").hidden = camera !== "off";
  $("camera-paused").hidden = camera !== "paused";
  $("camera-frame").classList.toggle("camera__frame--paused", camera === "paused");
  $("camera-start").hidden = camera !== "off";
  const pause = $("camera-pause");
  pause.hidden = camera === "off";
  setText(pause, camera === "paused" ? "Resume camera" : "Pause camera");
  if (camera !== "on") {
    state.quality = null;
    setText($("quality"), "");
    $("quality").className = "quality";
  }
  if (changed) {
    // Tell the teacher's tile at once rather than at the next tick.
    sendHeartbeat();
    if (camera !== "off") announce(camera === "on" ? "Camera on: sharing snapshots with your class." : "Camera paused: no snapshots are sent.");
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
    const text = msg.hint || QUALITY_HINTS[msg.state] || "";
    if (state.quality === msg.state && $("quality").textContent === text) return;
    state.quality = msg.state;
    setText($("quality"), text);
    $("quality").className = `quality quality--${msg.state === "ok" ? "ok" : "warn"}`;
  },
  "self_report.ack"(msg) {
    setText($("voice-status"), `Your teacher got it: “${VOICE_LABELS[msg.kind] || msg.kind}”.`);
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
  if (status.state === "connecting") {
    setText(text, status.attempt ? "Reconnecting…" : "Connecting…");
  } else if (status.state === "open") {
    setText(text, "Connected");
  } else if (status.state === "reconnecting") {
    const why = status.code === 4029 ? "Open in another tab · " : "Connection lost · ";
    const update = () => setText(text, `${why}reconnecting in ${Math.max(1, Math.ceil((status.retryAt - Date.now()) / 1000))} s`);
    update();
    countdown = setInterval(update, 1000);
  } else if (status.state === "closed") {
    if (status.code === 4004) endClass();
    else if (status.code === 4029) openedElsewhere();
    else if (status.code === 4001) {
      endClass("You are no longer in this class",
        "You left it, your data was deleted, or your link expired. To take part again, join with the code.", "Join again");
    } else endClass("You can't join this class", status.reason || "This link is not valid for this class.", "Back");
  }
}

// --- Student voice ----------------------------------------------------------------------------------------------

const voiceText = $("voice-text");
voiceText.addEventListener("input", () => {
  setText($("voice-text-count"), `${voiceText.value.length} of 280 characters`);
});

for (const button of document.querySelectorAll(".voice-button")) {
  button.addEventListener("click", () => {
    const kind = button.dataset.kind;
    const text = voiceText.value.trim().slice(0, 280);
    const message = { type: "self_report", kind };
    if (text) message.text = text;
    if (!socket.sendJSON(message)) {
      setText($("voice-status"), "Not connected right now. Try again in a moment.");
      return;
    }
    voiceText.value = "";
    setText($("voice-text-count"), "0 of 280 characters");
    setText($("voice-status"), `Sending “${VOICE_LABELS[kind]}”…`);
    // A short pause between taps, so one nervous double-click is not two reports.
    const buttons = document.querySelectorAll(".voice-button");
    buttons.forEach((b) => { b.disabled = true; });
    setTimeout(() => {
      buttons.forEach((b) => { b.disabled = state.ended; });
      if (document.activeElement === document.body) button.focus();
    }, VOICE_COOLDOWN_MS);
  });
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
  announce(`Your teacher asks: ${poll.question}`);
}

function hidePoll() {
  const card = $("poll-card");
  const hadFocus = card.contains(document.activeElement);
  card.hidden = true;
  state.poll = null;
  announce("The pulse check is closed. Thank you!");
  if (hadFocus) $("voice-title").focus();
}

for (const button of document.querySelectorAll("#poll-card [data-answer]")) {
  button.addEventListener("click", () => {
    if (!state.poll) return;
    const answer = button.dataset.answer;
    if (!socket.sendJSON({ type: "poll.answer", poll_id: state.poll.id, answer })) {
      setText($("poll-status"), "Not connected right now. Try again in a moment.");
      return;
    }
    for (const other of document.querySelectorAll("#poll-card [data-answer]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    setText($("poll-status"), `You answered “${POLL_OPTION_LABELS[answer]}”. You can change it until your teacher closes the check.`);
  });
}

// --- Leaving and the end of class --------------------------------------------------------------------------------

// Leaving and deleting go by plain form POSTs: they work even while the socket is down, and the page the
// server answers with says what happened (and still offers to delete after leaving).
$("leave-form").addEventListener("submit", () => {
  state.leaving = true;
  setText($("leave-status"), "Leaving…");
  stopForGood();
});

$("delete-form").addEventListener("submit", () => {
  state.leaving = true;
  setText($("leave-status"), "Leaving and deleting your data…");
  stopForGood();
});

function stopForGood() {
  clearTimeout(state.timer);
  socket.stop(1000, "left");
  stopCamera();
}

function openedElsewhere() {
  stopCamera();
  setText($("connection-text"), "Paused: open in another tab");
  const panel = $("elsewhere");
  panel.hidden = false;
  panel.focus();
}

$("use-here").addEventListener("click", () => {
  $("elsewhere").hidden = true;
  socket.start();
  $("camera-start").focus();
});

function endClass(title = "The class has ended", text = null, linkText = "Done") {
  if (state.ended) return;
  // Deleting is still possible after the class ended; not once the server no longer knows this student.
  $("ended-delete-form").hidden = title !== "The class has ended";
  $("ended-delete-help").hidden = title !== "The class has ended";
  state.ended = true;
  clearTimeout(state.timer);
  socket.stop();
  stopCamera();
  $("student-live").hidden = true;
  setText($("ended-title"), title);
  if (text) setText($("ended-text"), text);
  setText($("ended-link"), linkText);
  const panel = $("ended-panel");
  panel.hidden = false;
  panel.focus();
  $("connection").className = "conn conn--closed";
  setText($("connection-text"), title === "The class has ended" ? "Class ended" : "Disconnected");
}

// --- Start -----------------------------------------------------------------------------------------------------------------

setCamera("off");
socket.start();
scheduleTick();
// The student chose "with my camera on" when joining: start it once, as they asked.
if (root.dataset.cameraStart === "true") startCamera();
