"""What makes every slide of a deck fit its 960 × 700 area: the style sheet and the script the deck template adds.

After reveal.js and MathJax have rendered, and on every slide change, the script fits the slide
shown: a code line too long for its box gets a smaller font (wrapped only below 10 px), and a
slide taller than the slide area is scaled down as a whole (CSS `zoom` on a box around its
cells, so the text keeps its line breaks), then centred again as reveal.js centres slides. Slides
that fit are left alone. MathJax typesets once: nbconvert's template typeset every slide again
on each change, which drew some formulas twice in the speaker view's previews (S).
"""

from __future__ import annotations

FIT_CSS = """
/* The course's code lines run to about 110 characters: a smaller code font keeps most on the slide. */
:root { --jp-code-font-size: 14px; }
/* A code box's padding inside its width: it stuck out of the slide's right edge by 3 px. */
.reveal div.highlight > pre { box-sizing: border-box; }
/* The box the fitting script puts around the cells of a slide it scales (CSS zoom). */
.reveal .slides section > .course-fit { display: flow-root; margin: 0 auto; }
"""

# The script's one global, courseFitSlides(Reveal), is called once reveal.js is initialized.
FIT_JS = """
function courseFitSlides(Reveal) {
  var MIN_CODE_PX = 10;

  function fitCode(section) {
    section.querySelectorAll('pre').forEach(function (pre) {
      pre.style.fontSize = '';
      pre.style.whiteSpace = '';
      for (var i = 0; i < 3 && pre.clientWidth > 0 && pre.scrollWidth > pre.clientWidth + 1; i++) {
        var style = getComputedStyle(pre);
        var padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        var size = parseFloat(style.fontSize) * (pre.clientWidth - padding) / (pre.scrollWidth - padding);
        pre.style.fontSize = Math.max(Math.floor(size * 10) / 10 - 0.1 * i, MIN_CODE_PX) + 'px';
      }
      if (pre.scrollWidth > pre.clientWidth + 1) pre.style.whiteSpace = 'pre-wrap';
    });
  }

  function boxOf(section) {
    var box = section.querySelector(':scope > .course-fit');
    if (!box) {
      box = document.createElement('div');
      box.className = 'course-fit';
      box.style.width = section.clientWidth + 'px';
      while (section.firstChild) box.appendChild(section.firstChild);
      section.appendChild(box);
    }
    return box;
  }

  function fitHeight(section, height) {
    var box = section.querySelector(':scope > .course-fit');
    if (box) box.style.zoom = '';
    if (section.scrollHeight <= height) return;
    box = boxOf(section);
    var outside = section.scrollHeight - box.offsetHeight;
    var scale = (height - outside) / box.offsetHeight;
    for (var i = 0; i < 5; i++) {
      scale = Math.floor(scale * 1000) / 1000;
      box.style.zoom = scale;
      if (section.scrollHeight <= height) break;
      scale -= 0.01;
    }
  }

  function fit() {
    var section = Reveal.getCurrentSlide(), config = Reveal.getConfig();
    if (!section || section.classList.contains('stack') || getComputedStyle(section).display === 'none') return;
    fitCode(section);
    fitHeight(section, config.height);
    if ((config.center || section.classList.contains('center')) && !Reveal.isOverview()) {
      section.style.top = Math.max((config.height - section.scrollHeight) / 2, 0) + 'px';
    }
  }

  var pending = false;
  function later() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; fit(); });
  }

  Reveal.on('ready', fit);
  Reveal.on('slidechanged', fit);
  document.addEventListener('load', function (event) { if (event.target.tagName === 'IMG') later(); }, true);
  if (document.fonts) document.fonts.ready.then(later);
  if (window.MathJax && MathJax.Hub) {
    MathJax.Hub.Register.StartupHook('End', later);
    MathJax.Hub.Register.MessageHook('End Process', later);
  }
  if (Reveal.isReady()) fit();
}
"""
