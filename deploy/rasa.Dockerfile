# The Rasa server image: Rasa's official image plus the project's server-side code and the trained model.
# Build from the project folder after `make build train`:  docker build -f deploy/rasa.Dockerfile -t atrophy-rasa .
# NOT BUILT OR RUN on the development machine (no docker engine there); see deploy/README.md.
FROM rasa/rasa:3.6.21
USER root
# spaCy is not in every tag of the official image; the model needs the same 3.4 line as the lock.
# The NLU pipeline's own components import these (versions of requirements/requirements.lock).
RUN pip install --no-cache-dir "spacy==3.4.4" "SQLAlchemy==1.4.54" "psycopg2-binary==2.9.13" "redis==4.6.0" \
    "transformers==4.36.2" "tokenizers==0.15.2" "safetensors==0.4.5" "scikit-learn==1.1.3" "joblib==1.6.0" \
    "symspellpy==6.10.1" "rapidfuzz==3.14.6"
WORKDIR /app
# The model stores the spaCy pipeline as the relative path build/spacy/en_atrophy: serve it from /app.
COPY addons/ /app/addons/
COPY atrophy/ /app/atrophy/
# What the pipeline reads at start (built by `make build`): the spaCy pipeline, the sentence encoder, the stroke and
# topic classifiers, and their data (lexicon, thresholds, topics, cues, the knowledge text for the speller).
COPY build/spacy/ /app/build/spacy/
COPY build/encoder/ /app/build/encoder/
COPY build/red_flags/classifier.joblib /app/build/red_flags/classifier.joblib
COPY build/questions/topic_classifier.joblib /app/build/questions/topic_classifier.joblib
COPY data/red_flags/ /app/data/red_flags/
COPY data/questions/topics.yml data/questions/subject_cues.yml /app/data/questions/
COPY data/knowledge/ /app/data/knowledge/
COPY endpoints.yml credentials.yml /app/
COPY models/atrophy.tar.gz /app/models/atrophy.tar.gz
# The image holds only the server-side part of the project (no pyproject install): /app is its import root.
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
# TensorFlow with one thread per operation, one at a time (as scripts/run.sh: docs/performance.md); one replica per
# core scales it out.
ENV TF_INTER_OP_PARALLELISM_THREADS=1 TF_INTRA_OP_PARALLELISM_THREADS=1
USER 1001
# The official image's entrypoint is `rasa`.
CMD ["run", "--model", "models/atrophy.tar.gz", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", \
     "--port", "5005"]
