"""The floor for page throughput: Flask's "hello world", served by gunicorn exactly like the app."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
