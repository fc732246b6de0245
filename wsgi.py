from alumni import create_app

app = create_app()
