// framehub's viewer page: one tile per server, fed by one WebSocket.
// Text messages carry the status document; binary ones a frame: one length byte,
// the server id, then the JPEG. Each frame is acknowledged once shown, and only then
// does the server send that tile's next (newest) frame.
"use strict";

const grid = document.getElementById("grid");
const template = document.getElementById("tile");
const summary = document.getElementById("summary");
const full = document.getElementById("full");
const fullImg = full.querySelector("img");
const fullCaption = full.querySelector("figcaption");
const decoder = new TextDecoder();
const tiles = new Map();
let socket = null;
let fullId = null;

function text(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function badge(row) {
  if (row.shared && row.shared.length > 1) {
    return `PORT SHARED · ${row.shared.length} servers stream to port ${row.id}: ` +
      "give each its own port";
  }
  switch (row.state) {
    case "streaming": return "";
    case "waiting": return "waiting for server";
    case "quiet": return `QUIET · no frame for ${row.seconds_since_frame} s`;
    case "gone": return `GONE · no frame for ${row.seconds_since_frame} s`;
    case "ended": return "ENDED";
    default: return row.state.toUpperCase();
  }
}

function tileFor(id) {
  let tile = tiles.get(id);
  if (!tile) {
    const element = template.content.firstElementChild.cloneNode(true);
    element.dataset.server = id;
    element.addEventListener("click", () => openFull(id));
    grid.appendChild(element);
    tile = { element, img: element.querySelector("img"), url: null, row: { id, state: "waiting" } };
    tiles.set(id, tile);
  }
  return tile;
}

function caption(row) {
  const rate = row.fps === undefined ? "" : `${row.fps.toFixed(1)} fps`;
  const p50 = row.latency_ms_p50;
  const latency = p50 === null || p50 === undefined ? "" : `p50 ${p50} ms`;
  return { name: row.label || row.id, rate, latency, message: text(row.last_message) };
}

function fillCaption(element, row) {
  for (const [key, value] of Object.entries(caption(row))) {
    element.querySelector(`.${key}`).textContent = value;
  }
}

function showStatus(doc) {
  grid.style.gridTemplateRows = `repeat(${doc.grid[0]}, minmax(0, 1fr))`;
  grid.style.gridTemplateColumns = `repeat(${doc.grid[1]}, minmax(0, 1fr))`;
  let streaming = 0;
  let fps = 0;
  for (const row of doc.servers) {
    const tile = tileFor(row.id);
    tile.row = row;
    tile.element.style.gridRow = String(row.tile[0] + 1);
    tile.element.style.gridColumn = String(row.tile[1] + 1);
    tile.element.dataset.state = row.state;
    tile.element.dataset.shared = row.shared && row.shared.length > 1 ? "yes" : "no";
    tile.element.querySelector(".badge").textContent = badge(row);
    fillCaption(tile.element, row);
    if (row.state === "streaming") streaming += 1;
    fps += row.fps || 0;
  }
  summary.textContent =
    `${doc.servers.length} servers · ${streaming} streaming · ${fps.toFixed(0)} frames/s received`;
  if (fullId !== null) showFullCaption();
  else openLinked();
}

function showFrame(buffer) {
  const bytes = new Uint8Array(buffer);
  const length = bytes[0];
  const id = decoder.decode(bytes.subarray(1, 1 + length));
  const tile = tileFor(id);
  const url = URL.createObjectURL(new Blob([bytes.subarray(1 + length)], { type: "image/jpeg" }));
  const previous = tile.url;
  tile.url = url;
  tile.img.src = url;
  tile.img.decode().catch(() => {}).finally(() => {
    if (fullId === id) fullImg.src = url;
    if (previous) URL.revokeObjectURL(previous);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ ack: id }));
  });
}

function showFullCaption() {
  const row = tiles.get(fullId).row;
  const c = caption(row);
  const state = row.state === "streaming" ? "" : ` · ${badge(row)}`;
  fullCaption.textContent = `${c.name} · ${c.rate} · ${c.latency} · ${c.message}${state}`;
  full.querySelector(".stream").href = row.stream || "";
  full.querySelector(".snapshot").href = row.snapshot || "";
}

// The full-size view of a server is linkable: #server=<id>.
function linkedId() {
  const match = /^#server=(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function openLinked() {
  const id = linkedId();
  if (id !== null && tiles.has(id) && fullId !== id) openFull(id);
}

function openFull(id) {
  fullId = id;
  fullImg.src = tiles.get(id).url || "";
  showFullCaption();
  full.hidden = false;
  const hash = `#server=${encodeURIComponent(id)}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function closeFull() {
  fullId = null;
  full.hidden = true;
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}

window.addEventListener("hashchange", () => {
  if (linkedId() === null) closeFull();
  else openLinked();
});

full.addEventListener("click", (event) => {
  if (event.target.tagName !== "A") closeFull();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeFull();
});

function connect() {
  const url = new URL("ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { document.body.dataset.connection = "open"; };
  socket.onmessage = (event) => {
    if (typeof event.data === "string") showStatus(JSON.parse(event.data));
    else showFrame(event.data);
  };
  socket.onclose = () => {
    document.body.dataset.connection = "lost";
    summary.textContent = "disconnected from the hub; retrying…";
    setTimeout(connect, 1000);
  };
}

connect();
