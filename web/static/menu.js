// Runs as the menu is parsed, before the page paints: on a phone the menu
// starts folded behind its 菜单 button (app.js does the rest).
if (window.matchMedia && matchMedia("(max-width: 640px)").matches) { document.getElementById("menu-wrap").open = false; }
