// Corridor's few page behaviours, without a framework: copy a shown secret, confirm a destructive form, label
// table cells for phone widths.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = button.getAttribute("data-copied") || "Copied";
    });
  });

  // At phone width tables become stacked rows, each cell headed by its column's name (corridor.css): the
  // cells that do not carry their column's name in data-label get it from the table's header row here.
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = [];
    for (var i = 0; i < head.cells.length; i++) {
      for (var span = 0; span < (head.cells[i].colSpan || 1); span++) names.push(head.cells[i].textContent.trim());
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var column = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && names[column] && cell.colSpan === 1) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan || 1;
        }
      }
    }
  }
  var tables = document.querySelectorAll("main table");
  for (var t = 0; t < tables.length; t++) labelCells(tables[t]);

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
