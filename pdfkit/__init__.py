"""The typesetting kit every PDF exporter shares: the booklet style, fonts and fallback, text
runs, flowables and code highlighting, on reportlab. Internal to deckbook; the exporters in
deckbook.exporters import it, and it imports none of them."""
