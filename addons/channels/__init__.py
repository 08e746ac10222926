"""Input channels of the project: small subclasses of Rasa's channels that fix their Python 3.11 defects.

Referenced from credentials.yml by module path (``addons.channels.socketio.SocketIOInput`` ...).
"""
