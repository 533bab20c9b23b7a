// Progressive enhancement of the portal's pages; every form also works without this file.

const uploadForm = document.querySelector("form[data-upload]");

function setUpUpload(form) {
  const input = form.querySelector("input[type=file]");
  const zone = form.querySelector("[data-drop-zone]");
  const progressBox = form.querySelector("[data-progress]");
  const bar = progressBox.querySelector("progress");
  const status = form.querySelector("[data-upload-status]");

  const send = (files) => {
    const body = new FormData(form);
    body.delete("files");
    for (const file of files) body.append("files", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      bar.value = 100;
      let next = window.location.href;
      try { next = JSON.parse(request.responseText).next || next; } catch { /* a page, not JSON */ }
      window.location.assign(next);
    });
    request.addEventListener("error", () => {
      progressBox.hidden = true;
      status.textContent = document.documentElement.lang === "en"
        ? "The upload failed; check your connection and try again."
        : "L'envoi a échoué ; vérifiez votre connexion et réessayez.";
    });
    progressBox.hidden = false;
    bar.value = 0;
    status.textContent = document.documentElement.lang === "en"
      ? `Uploading ${files.length} file(s)…`
      : `Envoi de ${files.length} fichier(s)…`;
    request.send(body);
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
    const files = Array.from(event.dataTransfer?.files || []);
    if (files.length > 0) send(files);
  });
}

if (uploadForm) setUpUpload(uploadForm);
