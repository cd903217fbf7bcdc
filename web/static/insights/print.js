// The printable weekly report (/insights/report): a print button for those who look for one (Ctrl+P works too).
const button = document.getElementById("print");
if (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
}
