// Helpers for the browser journeys: start a real sanlian on a demo county
// and a headless Chromium from Debian's package.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, copyFileSync, renameSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// startServer builds the binary (unless SANLIAN_BIN names one), serves a
// small demo county on a fresh SQLite file, and resolves to its base URL.
// The county is loaded once per binary and size into a template beside
// the system's temporary files, and each server gets a copy of it (and of
// its key): every journey file starts from the same fresh county without
// paying for the load again.
export async function startServer({ households = 3000, args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sanlian-e2e-"));
  let bin = process.env.SANLIAN_BIN;
  if (!bin) {
    bin = join(dir, "sanlian");
    execFileSync("go", ["build", "-o", bin, "./cmd/sanlian"], { cwd: root, stdio: "inherit" });
  }
  const demoArgs = ["--households", String(households), "--problems", "300", "--visits", "1200"];
  const db = join(dir, "e2e.db");
  // Keyed by the binary's content, not its path: scripts/test builds into
  // a fresh directory each run, and the same source gives the same binary.
  const key = createHash("sha256").update(binaryDigest(bin)).update([new Date().toDateString(), ...demoArgs].join("|")).digest("hex").slice(0, 16);
  const template = join(tmpdir(), `sanlian-e2e-county-${key}.db`);
  // The demo's photos live in a file store beside the cached template,
  // which every copy of it serves from (content-addressed, so shared safely).
  const files = template + ".files";
  if (!existsSync(template) || !existsSync(template + ".key") || !existsSync(files)) {
    const building = join(dir, "template.db");
    execFileSync(bin, ["demo", "--db", building, "--blobs", files, ...demoArgs], { stdio: "ignore" });
    renameSync(building + ".key", template + ".key");
    renameSync(building, template);
  }
  copyFileSync(template, db);
  copyFileSync(template + ".key", db + ".key");
  const proc = spawn(bin, ["serve", "--demo", ...demoArgs, "--addr", "127.0.0.1:0", "--db", db, "--blobs", files, ...args],
    { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start:\n" + out + log)), 60000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/[0-9.:\[\]a-z]+\//);
      if (m) { clearTimeout(timer); resolve(m[0].replace(/\/$/, "")); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${out}${log}`)); });
  });
  return {
    url,
    log: () => log,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// binaryDigest is the SHA-256 of the file bin, hashed once per process.
const digests = new Map();
function binaryDigest(bin) {
  if (!digests.has(bin)) digests.set(bin, createHash("sha256").update(readFileSync(bin)).digest("hex"));
  return digests.get(bin);
}

// launch starts Debian's Chromium headless, with no network chatter.
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

// login fills the login form and waits for the page after it.
export async function login(page, base, username, password = "Sanlian@2021", next = "/") {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
}

// api calls the JSON API at base as a staff account (token from apiToken),
// failing the test on an error answer.
export async function api(base, method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// apiToken logs username in over the API.
export async function apiToken(base, username, password = "Sanlian@2021") {
  return (await api(base, "POST", "/api/v1/login", "", { username, password })).token;
}
