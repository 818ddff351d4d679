// chokepoint workspace: upload progress for forms marked data-progress.
// No framework; the pages work without this script.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-progress]")) {
    form.addEventListener("submit", (event) => {
      const bar = document.getElementById(form.dataset.progress);
      const text = document.getElementById(form.dataset.progress + "-text");
      if (!bar || !window.XMLHttpRequest) return;
      event.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); text.textContent = `Uploading: ${bar.value}%`; }
      });
      xhr.upload.addEventListener("load", () => { bar.removeAttribute("value"); text.textContent = "Screening…"; });
      xhr.addEventListener("load", () => { document.open(); document.write(xhr.responseText); document.close(); });
      xhr.addEventListener("error", () => { text.textContent = "The upload failed; please try again."; });
      xhr.send(new FormData(form));
    });
  }
});
