// The site header's menu, a <details class="site-menu">. On a wide screen it stays open and its
// content sits in the header bar (the summary is hidden); below WIDE it is a "Menu" toggle that opens
// a panel, closed again by Escape or a click elsewhere. Loaded without `defer` right after the menu,
// so a wide screen never paints it closed. Without JavaScript the summary toggles it at every width.
(() => {
  const menu = document.getElementById("site-menu");
  if (!menu) return;
  const wide = window.matchMedia("(min-width: 1024px)");  // the breakpoint of opsdesk.css
  const sync = () => {
    menu.open = wide.matches;
  };
  sync();
  wide.addEventListener("change", sync);
  document.addEventListener("click", (event) => {
    if (!wide.matches && menu.open && !menu.contains(event.target)) menu.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || wide.matches || !menu.open) return;
    menu.open = false;
    menu.querySelector("summary")?.focus();
  });
})();
