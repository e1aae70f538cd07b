from omniline.cli.main import app

app()
