// The people's side: the township → village pickers and the proof of work
// of the submission form, with no outside script.
(function () {
  "use strict";
})();
