// Progressive enhancement of the portal's pages; every form also works without this file.
document.documentElement.classList.add("js");
//
// Uploads: each file is posted to /graphql/upload as a GraphQL multipart request (the API's
// own upload, streamed by the hub), with the session's CSRF token in X-CSRF-Token. It uses
// XMLHttpRequest rather than fetch() because only XMLHttpRequest reports upload progress.

const uploadForm = document.querySelector("form[data-upload]");

const plurals = new Intl.PluralRules(document.documentElement.lang || "fr");

function fill(template, values) {
  // A message with plural forms ({one, other}) takes the form its first number asks for.
  let text = typeof template === "string"
    ? template
    : template[plurals.select(Number(Object.values(values)[0]))] || template.other;
  for (const [key, value] of Object.entries(values)) text = text.split(`{${key}}`).join(String(value));
  return text;
}

function postFile(form, file, onProgress, clash = "ask") {
  const folder = form.elements.path.value;
  const body = new FormData();
  body.append("operations", JSON.stringify({
    query: form.dataset.query,
    operationName: "UploadFile",
    variables: {
      workspace: form.dataset.workspace,
      path: folder.endsWith("/") ? folder : `${folder}/`,
      file: null,
      overwrite: clash === "replace",
      keepBoth: clash === "keep-both",
    },
  }));
  body.append("map", JSON.stringify({ 0: ["variables.file"] }));
  body.append("0", file, file.name);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", form.dataset.endpoint);
    request.setRequestHeader("X-CSRF-Token", form.elements.csrf.value);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => onProgress(Math.min(event.loaded, file.size)));
    request.addEventListener("load", () => {
      let answer = null;
      try { answer = JSON.parse(request.responseText); } catch { /* not JSON: a proxy's page */ }
      const errors = answer && Array.isArray(answer.errors) ? answer.errors : [];
      if (errors.length === 0 && request.status < 300 && answer) return resolve(null);
      const first = errors[0] || {};
      resolve({ code: first.extensions?.code || "INTERNAL", field: first.extensions?.field });
    });
    request.addEventListener("error", () => reject(new Error("offline")));
    request.send(body);
  });
}

async function refreshListing() {
  const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const next = fresh.querySelector("[data-listing]");
  const current = document.querySelector("[data-listing]");
  if (next && current) current.replaceWith(document.adoptNode(next));
}

function setUpUpload(form) {
  const input = form.querySelector("input[type=file]");
  const zone = form.querySelector("[data-drop-zone]");
  const progressBox = form.querySelector("[data-progress]");
  const bar = progressBox.querySelector("progress");
  const status = form.querySelector("[data-upload-status]");
  const errorBox = form.querySelector("[data-upload-errors]");
  const errorList = errorBox.querySelector("ul");
  const messages = JSON.parse(form.dataset.messages);
  const limit = Number(form.dataset.limit);
  let busy = false;

  const reason = (problem) => {
    if (problem.code === "BAD_INPUT" && (problem.field === "file" || problem.field === "path")) {
      return messages.BAD_NAME;
    }
    return messages[problem.code] || messages.INTERNAL;
  };
  const refuse = (file, problem) => {
    const item = document.createElement("li");
    item.textContent = fill(messages.NOT_STORED, { name: file.name, reason: reason(problem) });
    if (problem.code === "CONFLICT") offerChoice(item, file);
    errorList.append(item);
    errorBox.hidden = false;
  };
  // A name already taken: the file can still be sent again, replacing or beside the other.
  const offerChoice = (item, file) => {
    const choices = document.createElement("span");
    choices.className = "upload-choice";
    for (const [clash, label] of [["replace", messages.REPLACE], ["keep-both", messages.KEEP_BOTH]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = label;
      button.setAttribute("aria-label", fill(messages.ON_FILE, { action: label, name: file.name }));
      button.addEventListener("click", async () => {
        for (const other of choices.querySelectorAll("button")) other.disabled = true;
        const problem = await postFile(form, file, () => {}, clash);
        if (problem) {
          item.textContent = fill(messages.NOT_STORED, { name: file.name, reason: reason(problem) });
          return;
        }
        await refreshListing();
        item.remove();
        if (errorList.children.length === 0) errorBox.hidden = true;
        status.textContent = fill(messages.DONE, { done: 1, total: 1 });
      });
      choices.append(button);
    }
    item.append(choices);
  };

  const send = async (files) => {
    if (busy || files.length === 0) return;
    busy = true;
    errorList.replaceChildren();
    errorBox.hidden = true;
    const total = files.reduce((sum, file) => sum + file.size, 0) || 1;
    let sent = 0;
    let done = 0;
    progressBox.hidden = false;
    bar.value = 0;
    status.textContent = fill(messages.SENDING, { total: files.length });
    try {
      for (const file of files) {
        // Checked again by the hub; refusing here spares sending a file that cannot be kept.
        const clash = form.querySelector("input[name=clash]:checked")?.value || "ask";
        const problem = file.size > limit
          ? { code: "TOO_LARGE" }
          : await postFile(form, file, (loaded) => {
            bar.value = Math.round(((sent + loaded) / total) * 100);
          }, clash);
        sent += file.size;
        bar.value = Math.round((sent / total) * 100);
        if (problem) refuse(file, problem); else done += 1;
      }
      // The listing first, then the summary: once it shows, everything is in place.
      if (done > 0) await refreshListing();
      status.textContent = fill(messages.DONE, { done, total: files.length });
    } catch {
      progressBox.hidden = true;
      status.textContent = messages.OFFLINE;
    } finally {
      busy = false;
      input.value = "";
    }
  };

  form.addEventListener("submit", (event) => {
    if (!input.files || input.files.length === 0) return;
    event.preventDefault();
    send(Array.from(input.files));
  });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    send(Array.from(event.dataTransfer?.files || []));
  });
}

if (uploadForm) setUpUpload(uploadForm);

// The event form: an all-day event has no times to type.
for (const box of document.querySelectorAll("input[data-all-day]")) {
  const timed = box.form.querySelectorAll("[data-timed]");
  const sync = () => { for (const field of timed) field.hidden = box.checked; };
  box.addEventListener("change", sync);
  sync();
}

// A refused form: its summary takes the focus, so a screen reader reads what to fix.
document.querySelector("[data-autofocus]")?.focus();

// Printing: the button only exists where printing can be asked for.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// The subscription address: one click copies it.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = button.dataset.copied;
  });
}

// Phones: the menu opens from its button.
const menuButton = document.querySelector("button[data-menu-button]");
if (menuButton) {
  const header = menuButton.closest(".site-header");
  menuButton.hidden = false;
  menuButton.addEventListener("click", () => {
    const open = header.classList.toggle("open");
    menuButton.setAttribute("aria-expanded", String(open));
  });
}

// Escape closes what is open (the phone menu, a panel of actions) and gives the focus back.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const panel = document.activeElement?.closest("details[open]") || document.querySelector("details[open]");
  if (panel) {
    panel.open = false;
    panel.querySelector("summary")?.focus();
    return;
  }
  if (menuButton && menuButton.getAttribute("aria-expanded") === "true") {
    menuButton.click();
    menuButton.focus();
  }
});
