// NetRaven web UI: the only script. Pages work without it (forms post, links navigate);
// it keeps the jobs list fresh and follows a running job's event stream.
"use strict";

function pollJobs(tbody) {
  const url = tbody.dataset.poll;
  const refresh = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.redirected) {  // the session ended: show the login page, not it in the table
        window.location.reload();
        return;
      }
      if (response.ok && response.headers.get("content-type").startsWith("text/html")) {
        const html = await response.text();
        if (html !== tbody.dataset.last) {
          tbody.innerHTML = html;
          tbody.dataset.last = html;
        }
      }
    } catch (error) {
      // the service restarting: try again at the next tick
    }
  };
  setInterval(refresh, 2000);
}

function describe(event) {
  switch (event.kind) {
    case "job": return `job started (${event.job.status})`;
    case "play": return `play ${event.play} on ${(event.hosts || []).length} host(s)`;
    case "task": return `${event.host}: ${event.task.name} — ${event.task.status}`;
    case "host": return `${event.host}: finished ${event.result.play} — ${event.result.status}`;
    case "log": return `${event.level}: ${event.message}`;
    case "end": return `job finished: ${event.job.status}`;
    default: return event.kind;
  }
}

// Swap in the finished job's server-rendered head and results, keeping the progress list.
async function showResults(count, status) {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (response.redirected || !response.ok) throw new Error(`HTTP ${response.status}`);
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["job-head", "results"]) {
      const fresh = html.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current) current.replaceWith(document.importNode(fresh, true));
    }
    count.textContent = `Finished: ${status}. Results below.`;
  } catch (error) {
    count.textContent = `Finished: ${status}. Reload the page for the results.`;
  }
}

function followJob(section) {
  const list = document.getElementById("progress");
  const count = document.getElementById("progress-count");
  const status = document.getElementById("job-status");
  let hostsDone = 0;
  const source = new EventSource(section.dataset.events);
  const add = (message) => {
    const item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
  };
  const setStatus = (value) => {
    status.replaceChildren();
    const span = document.createElement("span");
    span.className = `status s-${value}`;
    span.textContent = value;
    status.appendChild(span);
  };
  for (const kind of ["job", "play", "task", "host", "log", "end"]) {
    source.addEventListener(kind, (message) => {
      const event = JSON.parse(message.data);
      add(describe(event));
      if (kind === "job") {
        setStatus("running");
        count.textContent = "Running…";
      } else if (kind === "host") {
        hostsDone += 1;
        count.textContent = `Running… ${hostsDone} host result(s) so far`;
      } else if (kind === "end") {
        source.close();
        setStatus(event.job.status);
        count.textContent = `Finished: ${event.job.status}. Loading the results…`;
        showResults(count, event.job.status);
      }
    });
  }
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      count.textContent = "Lost the live stream: reload the page to see the job's state.";
    }
  };
}

// A link to #host-NAME opens that host's details (a closed <details> hides its target).
function openTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (target && target.tagName === "DETAILS") {
    target.open = true;
    target.querySelector("summary").focus();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  window.addEventListener("hashchange", openTarget);
  openTarget();
  const tbody = document.querySelector("[data-poll]");
  if (tbody) pollJobs(tbody);
  const live = document.querySelector("[data-events]");
  if (live) followJob(live);
});
