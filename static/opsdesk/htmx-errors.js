// An htmx request whose answer is not swapped in (a 5xx, or no answer at all) must still tell the
// person: the message goes where flash messages go (#messages, a polite live region), and the page
// stays as it was. 400/403/404/409 answers carry their own message and are swapped in place (see the
// htmx-config meta tag in base.html).
(() => {
  const say = (text) => {
    const box = document.getElementById("messages");
    if (!box) return;
    const line = document.createElement("p");
    line.className = "alert alert-error";
    line.setAttribute("role", "alert");
    line.textContent = text;
    box.replaceChildren(line);
  };
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 404) {
      say("It is not there any more (404): it may have been deleted. Reload the page.");
      return;
    }
    say(`Something went wrong on the server (error ${status}); it was logged. Nothing was lost on this page: try again in a moment.`);
  });
  document.addEventListener("htmx:sendError", () => {
    say("OpsDesk could not be reached. Check your connection and try again.");
  });
})();
