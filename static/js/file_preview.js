// Previews of the files chosen in an <input type="file" data-preview>, before the form is sent: a photo
// as a thumbnail (read in the browser, never uploaded for it), any other file by its name and size.
// The words come from <script id="file-preview-words" type="application/json">, in the reader's language.
(function () {
  "use strict";
  var words = { chosen: "Chosen files", notImage: "" };
  var source = document.getElementById("file-preview-words");
  if (source) {
    try { words = JSON.parse(source.textContent); } catch (e) { /* keep the defaults */ }
  }
  var IMAGES = ["image/jpeg", "image/png", "image/webp"];

  function size(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return Math.round(bytes / 1024) + " KB"; }
    return bytes + " B";
  }

  function render(input, list) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var urls = list._urls || [];
    urls.forEach(function (u) { URL.revokeObjectURL(u); });
    list._urls = [];
    var files = input.files || [];
    list.hidden = files.length === 0;
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      var item = document.createElement("li");
      var caption = document.createElement("span");
      caption.className = "file-link";
      caption.textContent = file.name + " (" + size(file.size) + ")";
      if (IMAGES.indexOf(file.type) !== -1) {
        var figure = document.createElement("figure");
        figure.className = "file-preview";
        var img = document.createElement("img");
        var url = URL.createObjectURL(file);
        list._urls.push(url);
        img.src = url;
        img.alt = file.name;
        var figcaption = document.createElement("figcaption");
        figcaption.appendChild(caption);
        figure.appendChild(img);
        figure.appendChild(figcaption);
        item.appendChild(figure);
      } else {
        item.appendChild(caption);
      }
      list.appendChild(item);
    }
  }

  var inputs = document.querySelectorAll("input[type=file][data-preview]");
  for (var i = 0; i < inputs.length; i++) {
    (function (input) {
      var list = document.createElement("ul");
      list.className = "file-previews chosen-files";
      list.setAttribute("aria-live", "polite");
      list.setAttribute("aria-label", words.chosen);
      list.hidden = true;
      input.insertAdjacentElement("afterend", list);
      input.addEventListener("change", function () { render(input, list); });
      render(input, list);
    })(inputs[i]);
  }
})();
