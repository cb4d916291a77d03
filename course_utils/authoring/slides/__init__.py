"""Offline slides and site of the course: reveal.js decks and static pages, built with nbconvert from solutions/.

- `vendor`: local copies of reveal.js, require.js, jQuery and MathJax (npm), so nothing loads from the internet;
- `pages`: what decks and site share (which notebooks, titles and summaries, transforms, the index page);
- `deck`: one reveal.js deck per notebook, the learner's version unless the answers are asked for;
- `alt_text`: the alt text of every figure (the cell's metadata "alt", else the sentence that introduces it);
- `fit`: the style and script that fit every slide into its 960 × 700 area (scaled down, code font reduced);
- `site`: every notebook as an HTML page with its outputs, worked answers included;
- `cli`: the command line, `python -m course_utils.slides deck|site|vendor|assign`.
"""
