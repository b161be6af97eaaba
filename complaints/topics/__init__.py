"""Pain-point topics: BERTopic for Chinese complaints, a taxonomy, stable versioned topic ids."""
