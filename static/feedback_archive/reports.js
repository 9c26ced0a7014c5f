// "PDF (print)": the browser's print dialog saves the report page, charts included, as PDF.
document.addEventListener("click", function (event) {
  if (event.target.closest(".fa-print")) { event.preventDefault(); window.print(); }
});
