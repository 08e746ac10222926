# The Rasa server image: Rasa's official image plus the project's server-side code and the trained model.
# Build from the project folder after `make build train`:  docker build -f deploy/rasa.Dockerfile -t atrophy-rasa .
# NOT BUILT OR RUN on the development machine (no docker engine there); see deploy/README.md.
FROM rasa/rasa:3.6.21
USER root
# spaCy is not in every tag of the official image; the model needs the same 3.4 line as the lock.
RUN pip install --no-cache-dir "spacy==3.4.4" "SQLAlchemy==1.4.54" "psycopg2-binary==2.9.13" "redis==4.6.0"
WORKDIR /app
# The model stores the spaCy pipeline as the relative path build/spacy/en_atrophy: serve it from /app.
COPY addons/ /app/addons/
COPY atrophy/ /app/atrophy/
COPY build/spacy/ /app/build/spacy/
COPY endpoints.yml credentials.yml /app/
COPY models/atrophy.tar.gz /app/models/atrophy.tar.gz
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
USER 1001
# The official image's entrypoint is `rasa`.
CMD ["run", "--model", "models/atrophy.tar.gz", "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", \
     "--port", "5005"]
