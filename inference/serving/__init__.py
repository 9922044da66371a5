"""What the web app and the workers run: snapshot decoding, face detection, face crops, the LiteRT emotion
classifier. Imports neither `inference.training` nor TensorFlow/Keras."""
