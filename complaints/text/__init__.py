"""Text: from raw complaint text to masked, clean text and tokens.

`normalize` converts traditional to simplified characters and full-width to half-width, strips
HTML and emoji noise, and calls `mask` to replace personal data (mobile and landline numbers, ID
and bank cards, e-mails, @handles, links) with placeholders before anything is stored. `segment`
cuts masked text into words with jieba and the analysts' `lexicons/` (user dictionary, stopwords,
synonyms; `lexicons` finds and fingerprints that folder). Reads strings; produces strings and token
lists for ingest, embedding, topics and classify. Importing it stays light (no pandas, no DuckDB),
because `complaints classify` starts from here.
"""
