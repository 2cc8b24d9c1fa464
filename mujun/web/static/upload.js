// Drag and drop onto the upload form (the plain file input works without this script).
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.querySelector(".drop");
  if (!zone) return;
  const input = zone.querySelector("input[type=file]");
  const list = zone.querySelector(".chosen");
  const show = () => {
    list.textContent = Array.from(input.files).map((f) => f.name).join("、");
  };
  ["dragenter", "dragover"].forEach((ev) => zone.addEventListener(ev, (e) => {
    e.preventDefault(); zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((ev) => zone.addEventListener(ev, (e) => {
    e.preventDefault(); zone.classList.remove("over");
  }));
  zone.addEventListener("drop", (e) => {
    const merged = new DataTransfer();
    Array.from(input.files).forEach((f) => merged.items.add(f));
    Array.from(e.dataTransfer.files).forEach((f) => merged.items.add(f));
    input.files = merged.files;
    show();
  });
  input.addEventListener("change", show);
});
