"""The typesetting kit every PDF exporter shares, on reportlab. Internal to deckbook: the
exporters in deckbook.exporters import it, and it imports none of them.

- ``style``: the booklet style, loaded and checked (styles/booklet.toml, a project's [style]);
- ``look``: the style turned into lengths, colours, fonts and paragraph styles for a page size;
- ``fonts``: font families, registered from a package or from files, and fallback chains;
- ``fontfiles``: any TrueType or OpenType font cut down, instanced and converted by fontTools;
- ``truetype``: CFF outlines as TrueType ones, drawn by HarfBuzz and made quadratic by cu2qu;
- ``system``: the fonts installed on the machine, for characters the style's fonts lack;
- ``scripts``: the script of a character, and the font to install for it;
- ``shaping``: right-to-left and complex scripts, per line: bidi levels, HarfBuzz, visual order;
- ``text``: bank text as runs and paragraph XML in those fonts, with located, grouped warnings;
- ``code``: fenced code, highlighted by the style's token styles and wrapped;
- ``flowables``: paragraphs, gaps, the answer box, a question kept together, labels, contents,
  ruled lines, and markup blocks rendered as those;
- ``book``: mirrored pages with running headers, footers and contents numbers, and the topic
  opener and question heading books share;
- ``internals``: every reach into reportlab's internals, and the switch that turns the speed-ups
  built on them off.
"""
