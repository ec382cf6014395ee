// The language menu applies a choice at once; without JavaScript its button does.
document.querySelectorAll("form.language-switch").forEach((form) => {
  const select = form.querySelector("select");
  const button = form.querySelector("button");
  if (button) button.hidden = true;
  select.addEventListener("change", () => form.submit());
});
