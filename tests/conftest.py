"""Test set-up: draw figures off-screen. (No MPLBACKEND variable: nbval kernels would inherit it.)"""
import matplotlib

matplotlib.use("Agg")
