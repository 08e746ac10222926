# The action server image: Rasa's official SDK image plus the project's actions and knowledge base code.
# Build from the project folder:  docker build -f deploy/actions.Dockerfile -t atrophy-actions .
# NOT BUILT OR RUN on the development machine (no docker engine there); see deploy/README.md.
FROM rasa/rasa-sdk:3.6.2
USER root
RUN pip install --no-cache-dir "SQLAlchemy==1.4.54" "psycopg2-binary==2.9.13" "PyYAML==6.0.3" "requests==2.34.2" \
    "rapidfuzz==3.14.6"
WORKDIR /app
COPY actions/ /app/actions/
COPY atrophy/ /app/atrophy/
COPY data/knowledge/ /app/data/knowledge/
COPY data/questions/topics.yml data/questions/subject_cues.yml /app/data/questions/
# The image holds only the actions and the core (no pyproject install): /app is its import root.
ENV PYTHONPATH=/app
USER 1001
# The official image's entrypoint is `./entrypoint.sh` running `rasa_sdk`; it serves the `actions` package.
CMD ["start", "--actions", "actions", "--port", "5055"]
