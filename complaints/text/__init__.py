"""Text: from raw complaint text to masked, clean text and tokens.

`normalize` drops control and zero-width characters, converts traditional to simplified characters,
full-width to half-width and other scripts' digits to ASCII, strips HTML and emoji noise, collapses
whitespace, and calls `mask` to replace personal data (mobile and landline numbers however they are
spelled, ID and bank cards, e-mails, @handles, links) and `names` to replace personal names and
staff ids with placeholders before anything is stored. `segment` cuts masked text into words with
jieba and the analysts' `lexicons/` (user dictionary, stopwords, synonyms, places, emoticons;
`lexicons` finds and fingerprints that folder), through the modelling `view`: emoticon codes and
hashtags (`social`), places (`places`: a gazetteer and address rules) and, given the ticket form a
fit learned (`form`), the form's labels, answers and boilerplate are left out of the tokens; the
stored text keeps them all. `ngrams` turns tokens and characters into the sparse TF-IDF rows that
the embedder, the pain-point classifier and the supervised classifier share. Reads strings;
produces strings, token lists and sparse rows for ingest, embedding, pain points, topics and
classify. Importing it stays light (no pandas, no DuckDB), because `complaints classify` starts
from here.
"""
