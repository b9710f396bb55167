/* The event form: only the chosen event's measured values are shown (drying: 含水率...). Without
   this file every group shows, each under its event's name, and the server reads only the
   chosen event's. No library, no CDN. */
(function () {
  "use strict";
  var type = document.getElementById("f-event_type");
  if (!type) return;
  var groups = document.querySelectorAll("fieldset.measures");

  function show() {
    for (var i = 0; i < groups.length; i++) {
      groups[i].hidden = groups[i].getAttribute("data-event-type") !== type.value;
    }
  }

  type.addEventListener("change", show);
  show();
})();
