"""Questions in anyone's words: which topic a question is about (`classifier`), what people call each topic
(`catalogue`), and whether the asker describes their own muscle loss (`own_situation`)."""
