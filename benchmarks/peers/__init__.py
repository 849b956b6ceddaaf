"""RecBole peers (SASRec, GRU4Rec) run side by side on our split, in their own venv."""
