/* Starts Swagger UI on /api/v1/docs from data attributes (CSP allows no inline script). */
(function () {
  "use strict";
  function start() {
    var container = document.getElementById("swagger-ui-container");
    if (!container || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    var config = { url: container.getAttribute("data-spec-url"), dom_id: "#swagger-ui-container" };
    var extra = {};
    try {
      extra = JSON.parse(container.getAttribute("data-config") || "{}");
    } catch (ignored) {
      extra = {};
    }
    Object.keys(extra).forEach(function (key) { config[key] = extra[key]; });
    window.ui = window.SwaggerUIBundle(config);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
