"""Text: from raw complaint text to masked, clean text and tokens.

`normalize` drops control and zero-width characters, converts traditional to simplified characters,
full-width to half-width and other scripts' digits to ASCII, strips HTML and emoji noise, collapses
whitespace, and calls `mask` to replace personal data (mobile and landline numbers however they are
spelled, ID and bank cards, e-mails, @handles, links) and `names` to replace personal names and
staff ids with placeholders before anything is stored. `segment` cuts masked text into words with
jieba and the analysts' `lexicons/` (user dictionary, stopwords, synonyms; `lexicons` finds and
fingerprints that folder). Reads strings; produces strings and token lists for ingest, embedding,
topics and classify. Importing it stays light (no pandas, no DuckDB), because `complaints classify`
starts from here.
"""
