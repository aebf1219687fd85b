// The board's only script (served same-origin; pages carry no inline script).
// Filters hide clinicians' rows; a block dragged onto a day fills and sends the move form;
// pages change the schedule only through forms.
"use strict";

function applyFilters() {
  const board = document.getElementById("board");
  if (!board) return;
  const shown = new Set(
    Array.from(document.querySelectorAll("#discipline-filter input:checked"), (box) => box.value)
  );
  const clinician = document.getElementById("clinician-filter").value;
  for (const row of board.tBodies[0].rows) {
    const visible = shown.has(row.dataset.discipline) && (!clinician || row.dataset.clinician === clinician);
    row.classList.toggle("hidden", !visible);
  }
}

function clockAt(cell, clientX) {
  const board = document.getElementById("board");
  const first = Number(board.dataset.firstHour);
  const last = Number(board.dataset.lastHour);
  const box = cell.getBoundingClientRect();
  const share = Math.min(Math.max((clientX - box.left) / box.width, 0), 1);
  const minutes = Math.round((first * 60 + share * (last - first) * 60) / 5) * 5;
  const hours = String(Math.floor(minutes / 60)).padStart(2, "0");
  return hours + ":" + String(minutes % 60).padStart(2, "0");
}

function setUpDragging() {
  const form = document.getElementById("move-form");
  const board = document.getElementById("board");
  if (!form || !board) return;
  let target = null;
  const mark = (cell) => {
    if (target) target.classList.remove("drop-target");
    target = cell;
    if (target) target.classList.add("drop-target");
  };
  board.addEventListener("dragstart", (event) => {
    const block = event.target.closest(".block");
    if (block) event.dataTransfer.setData("text/plain", block.dataset.visit);
  });
  board.addEventListener("dragover", (event) => {
    const cell = event.target.closest("td.cell");
    if (!cell) return;
    event.preventDefault();
    mark(cell);
  });
  board.addEventListener("dragleave", (event) => {
    if (event.target === target) mark(null);
  });
  board.addEventListener("drop", (event) => {
    const cell = event.target.closest("td.cell");
    const visit = event.dataTransfer.getData("text/plain");
    mark(null);
    if (!cell || !visit) return;
    event.preventDefault();
    document.getElementById("move-visit").value = visit;
    document.getElementById("move-clinician").value = cell.dataset.clinician;
    document.getElementById("move-day").value = cell.dataset.day;
    document.getElementById("move-time").value = clockAt(cell, event.clientX);
    form.requestSubmit();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("#discipline-filter input, #clinician-filter")) {
    input.addEventListener("change", applyFilters);
  }
  setUpDragging();
  document.body.dataset.ready = "true";
});
