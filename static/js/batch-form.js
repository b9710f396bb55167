/* The harvest form: choosing a producer fills 村 and 乡镇 with the producer's (the server does the
   same when the page is sent without them); a quantity typed with its unit ("320斤", "1.5公斤")
   sets the unit list. No library, no CDN: the page works without this file too. */
(function () {
  "use strict";
  var producer = document.getElementById("f-producer_id");
  var village = document.getElementById("f-village");
  var township = document.getElementById("f-township_code");
  var quantity = document.getElementById("f-quantity");
  var unit = document.getElementById("f-unit");
  var filled = village ? village.value : "";

  function fillPlace() {
    var option = producer.options[producer.selectedIndex];
    if (!option || !option.value) return;
    // Only overwrite a village the user has not typed over.
    if (village && (village.value === "" || village.value === filled)) {
      village.value = option.getAttribute("data-village") || "";
      filled = village.value;
    }
    var code = option.getAttribute("data-township");
    if (township && code) {
      for (var i = 0; i < township.options.length; i++) {
        if (township.options[i].value === code) township.selectedIndex = i;
      }
    }
  }

  var words = {"斤": "jin", "市斤": "jin", "jin": "jin", "公斤": "kg", "千克": "kg", "kg": "kg",
    "克": "g", "g": "g", "吨": "t", "t": "t", "个": "piece", "件": "piece", "箱": "box", "瓶": "bottle"};

  function followUnit() {
    var typed = (quantity.value || "").replace(/\s+/g, "").toLowerCase();
    var found = typed.match(/^[0-9０-９.,。．]+(\D+)$/);
    if (!found || !unit) return;
    var value = words[found[1]];
    if (value) unit.value = value;
  }

  if (producer) producer.addEventListener("change", fillPlace);
  if (quantity) quantity.addEventListener("input", followUnit);
})();
